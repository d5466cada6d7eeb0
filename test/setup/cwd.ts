// Importing @builderbot/bot opens core.class.log and queue.class.log in the working directory.
// Each test worker runs in a scratch directory so those files never land in the project.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

process.chdir(mkdtempSync(join(tmpdir(), 'consent-bot-cwd-')))
