/**
 * What a name the owner gives in flows/ must look like (a step, a purpose, a kind of data): one
 * word of letters, digits and _, starting with a letter, so it can be written in the locales' keys.
 */
export const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/
