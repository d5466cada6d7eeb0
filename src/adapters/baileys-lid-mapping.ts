/**
 * Which phone number a `…@lid` stands for, as Baileys has learned it. Baileys 7 keeps its LID
 * mapping among the session's signal keys (`lid-mapping`: `<number>` → `<lid>` and
 * `<lid>_reverse` → `<number>`, see baileys/lib/Signal/lid-mapping.js), which
 * `useMultiFileAuthState` stores as files in the session folder. Read through that same key
 * store, so what the socket wrote is what is read, whether or not it is connected.
 */
import { useMultiFileAuthState } from 'baileys'

export function lidMappingReader(sessionDir: string): (lid: string) => Promise<string | undefined> {
  let keys: Promise<Awaited<ReturnType<typeof useMultiFileAuthState>>['state']['keys']> | undefined
  return async (lid) => {
    const user = /^(\d+)(:\d+)?@lid$/.exec(lid)?.[1]
    if (!user) return undefined
    keys ??= useMultiFileAuthState(sessionDir).then(({ state }) => state.keys)
    const stored = (await (await keys).get('lid-mapping', [`${user}_reverse`]))[`${user}_reverse`]
    return typeof stored === 'string' && /^\d{5,20}$/.test(stored) ? stored : undefined
  }
}
