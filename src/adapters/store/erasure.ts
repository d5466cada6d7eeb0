/**
 * Erasure's part in the files: ledger.jsonl rewritten with the person's personal details set to
 * null (their records stay, as evidence, and the chain still verifies: the hashes cover only a
 * digest of those details). The rest of an erasure (the contact out of memory, the contact files
 * and journals rewritten, older backups dropped, the proof appended) is the store's.
 */
import { open, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { CommitLog } from './commit-log.js'
import { AppendFile, FILE_MODE, syncDir, TEMP_SUFFIX, type OnSync } from './durable-file.js'
import { copyRedacted, LEDGER_FILE } from './ledger-file.js'

/**
 * Rewrites ledger.jsonl with the personal details of `addresses` (a person's number and `…@lid`)
 * set to null. Most of the file is copied while commits go on; only the lines appended meanwhile
 * are copied with them paused.
 */
export async function redactLedger(dataDir: string, commits: CommitLog, addresses: readonly string[], onSync?: OnSync): Promise<void> {
  const file = join(dataDir, LEDGER_FILE)
  const temp = file + TEMP_SUFFIX
  const out = await open(temp, 'w', FILE_MODE)
  let outOpen = true
  try {
    const copied = commits.ledger.size
    const lines = await copyRedacted(file, out, addresses, 0, copied, 1)
    await commits.io.run(async () => {
      await copyRedacted(file, out, addresses, copied, commits.ledger.size, lines + 1)
      await out.sync()
      onSync?.(temp)
      await out.close()
      outOpen = false
      await commits.ledger.close()
      await rename(temp, file)
      await syncDir(dataDir, onSync)
      commits.ledger = await AppendFile.open(file, onSync)
    })
  } catch (error) {
    if (outOpen) await out.close()
    await unlink(temp).catch(() => {})
    throw error
  }
}
