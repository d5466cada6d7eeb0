/**
 * Compaction: the contact files that changed are rewritten and the journals they now cover are
 * deleted, so a start-up replays a short journal. Crash-safe at every step: the journal is
 * renamed aside (new commits go to a fresh one), the contact files that changed are replaced one
 * by one, and only then are the journals they now cover deleted. A kill in between replays those
 * journals over contact files that may be newer; each line is a whole state and the fresh journal
 * holds every later commit, so the newest state still wins. Memory only holds what is durable,
 * so a contact file never gets ahead of the journal and ledger.
 */
import { unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { Logger } from '../../ports/logger.js'
import type { CommitLog } from './commit-log.js'
import type { ContactFiles } from './contact-files.js'
import { syncDir, type OnSync } from './durable-file.js'
import { CONTACTS_DIR } from './layout.js'

export interface Compactable {
  dataDir: string
  commits: CommitLog
  contacts: ContactFiles
  log: Logger
  onSync?: OnSync | undefined
}

/** Folds the journals into the contact files (the caller runs one compaction or erasure at a time). */
export async function fold({ dataDir, commits, contacts, log, onSync }: Compactable): Promise<void> {
  const started = performance.now()
  const { journals, dirty } = await commits.io.run(async () => ({ journals: await commits.rotateJournal(), dirty: contacts.takeDirty() }))
  if (!journals.length && !dirty.length) return
  for (const [position, index] of dirty.entries()) {
    try {
      await contacts.write(index)
    } catch (error) {
      contacts.markDirty(dirty.slice(position))
      throw error
    }
    // One contact file at a time, so replies are not held up for long.
    await yieldToEventLoop()
  }
  // The renames must be on disk before the journals that cover them go.
  if (dirty.length) await syncDir(join(dataDir, CONTACTS_DIR), onSync)
  for (const name of journals)
    await unlink(join(dataDir, name)).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)))
  commits.folded(journals)
  await syncDir(dataDir, onSync)
  log.info('store.compacted', { files: dirty.length, journals: journals.length, ms: Math.round(performance.now() - started) })
}
