import { resolve } from 'node:path'

/** The project folder (bench/ lives in it). */
export const ROOT = resolve(import.meta.dirname, '..')

/** The scripted conversation: greeting, yes to the service, yes to marketing, channel 1 (WhatsApp). */
export const SCRIPT = ['hola', 'sí', 'sí', '1']

/**
 * Contact ids: Mexican mobiles (Spanish is guessed from them), one block per use so a bench
 * contact is never one already in the data dir.
 */
export const contactId = {
  seeded: (i: number) => `52155${String(10_000_000 + i)}`,
  bench: (i: number) => `52155${String(20_000_000 + i)}`,
  calibration: '5215599999999',
}
