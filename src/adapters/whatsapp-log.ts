/**
 * Baileys' log would hold message text: only its connection lines reach our log.
 */
import { Console } from 'node:console'
import { Writable } from 'node:stream'
import type { Logger } from '../ports/logger.js'

/**
 * Baileys' own log, reduced to the lines about the connection (opened, closed with a status,
 * logged out, retrying), which say nothing about contacts. Everything else, which can include
 * whole messages, is dropped.
 */
export function connectionLog(log: Logger): Console {
  const CONNECTION = /(Connection (update|closed|opened)[^\n]*|Logged out[^\n]*|Critical error[^\n]*|[Rr]econnect[^\n]*)/
  const sink = new Writable({
    write(chunk, _encoding, done) {
      const line = CONNECTION.exec(String(chunk))?.[1]
      if (line) log.info('whatsapp.connection', { detail: line.slice(0, 200) })
      done()
    },
  })
  return new Console({ stdout: sink, stderr: sink })
}
