/** Data directories for store tests: temp folders, listings, a copy as a kill would leave it, a grep. */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterEach } from 'vitest'
import type { Logger } from '../../../src/app/logger.js'

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

export function tempDir(prefix = 'consent-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

/** Every file and folder under `dir`, relative to it, sorted. */
export function listAll(dir: string): { path: string; isDir: boolean; mode: number }[] {
  const walk = (sub: string): { path: string; isDir: boolean; mode: number }[] =>
    readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((entry) => {
      const path = join(sub, entry.name)
      const item = { path, isDir: entry.isDirectory(), mode: statSync(join(dir, path)).mode & 0o777 }
      return entry.isDirectory() ? [item, ...walk(path)] : [item]
    })
  return walk('').sort((a, b) => a.path.localeCompare(b.path))
}

/** Each file's content by path: to show a refused start changed nothing. */
export function contents(dir: string): Record<string, string> {
  return Object.fromEntries(
    listAll(dir)
      .filter((f) => !f.isDir)
      .map((f) => [f.path, readFileSync(join(dir, f.path), 'latin1')]),
  )
}

/** Files under `dir` (recursively) whose bytes contain `text`. */
export function filesContaining(dir: string, text: string): string[] {
  return listAll(dir)
    .filter((f) => !f.isDir && readFileSync(join(dir, f.path)).includes(text))
    .map((f) => f.path)
}

/**
 * The data directory as a kill -9 right now would leave it: the files as they are on disk (the
 * store's writes are complete once its promises resolve; whatever is in flight may be cut).
 */
export function copyAsKilled(dir: string): string {
  const copy = tempDir('consent-store-killed-')
  for (let attempt = 1; ; attempt++) {
    try {
      cpSync(dir, copy, { recursive: true })
      return copy
    } catch (error) {
      // A file renamed or deleted while being copied: copy again.
      if (attempt >= 5) throw error
      rmSync(copy, { recursive: true, force: true })
    }
  }
}

export const relativeTo = (dir: string, file: string) => relative(dir, file)

/** A logger that keeps its lines, to assert on events and on what never appears in them. */
export function recordingLogger(): Logger & { lines: string[]; events: string[]; next(event: string): Promise<Record<string, unknown>> } {
  const lines: string[] = []
  const events: string[] = []
  const waiting: { event: string; resolve: (fields: Record<string, unknown>) => void }[] = []
  const log =
    (level: string) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      lines.push(JSON.stringify({ level, event, ...fields }))
      events.push(event)
      for (const w of waiting.splice(0))
        if (w.event === event) w.resolve(fields)
        else waiting.push(w)
    }
  return {
    lines,
    events,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    next: (event) => new Promise((resolve) => waiting.push({ event, resolve })),
  }
}
