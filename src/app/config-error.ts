/** A setting that is missing or wrong: its message is the one line the owner is shown. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}
