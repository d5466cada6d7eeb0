/**
 * `npm run flow:diagram`: draws `flows/consent.yaml` as a picture, labelled in one language with
 * the texts and answer words of `locales/`. Writes a Markdown file holding a Mermaid diagram
 * (GitHub, GitLab and VS Code draw it) and, next to it, an HTML page with the same picture as
 * inline SVG, which any browser opens without a network. The files are checked first, as the bot
 * does at start-up: a broken flow is reported, not drawn.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, extname, relative, resolve, sep } from 'node:path'
import { OwnerFileError } from '../../adapters/owner-file.js'
import { loadBusinessFiles } from '../bot.js'
import { ConfigError, loadDotEnv } from '../../app/config.js'
import { CHANNEL_INTENT } from '../../domain/flow.js'
import { diagramCaptions, diagramHtml, diagramMarkdown, flowGraph, type DiagramTexts } from '../../app/diagram/index.js'
import { parseToolOptions } from './owner-options.js'

const USAGE = `Usage: npm run flow:diagram -- [options]

Draws the conversation in flows/consent.yaml as a picture, labelled with the texts in locales/.
Writes a Markdown file with a Mermaid diagram (GitHub, GitLab and VS Code show it as a picture)
and, next to it, a page with the same picture that any browser opens (FILE with .html).

  --out FILE          the Markdown file (default: flow-diagram.md in the project folder)
  --lang es|en        the language of the labels (default: DEFAULT_LANGUAGE, else es)
  --flows-dir DIR     the conversation and policy files (default: flows)
  --locales-dir DIR   the texts (default: locales)
  --help              show this text`

async function main(): Promise<number> {
  const projectDir = process.cwd()
  loadDotEnv(projectDir)
  const options = parseToolOptions(process.argv.slice(2), process.env, projectDir, ['flows-dir', 'locales-dir', 'lang'], ['out'])
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const { flowsDir, localesDir, defaultLanguage: language } = options.config
  const out = options.own.out?.trim()
  if (out === '') throw new ConfigError('--out needs a file name, e.g. --out flow-diagram.md')
  const markdownFile = resolve(projectDir, out ?? 'flow-diagram.md')
  const htmlFile = extname(markdownFile) === '.md' ? `${markdownFile.slice(0, -3)}.html` : `${markdownFile}.html`

  let files: Awaited<ReturnType<typeof loadBusinessFiles>>
  try {
    files = await loadBusinessFiles(flowsDir, localesDir, language, projectDir)
  } catch (error) {
    if (!(error instanceof OwnerFileError)) throw error
    process.stderr.write(
      `The diagram was not drawn. Please fix these problems in your files (npm run check lists them too):\n\n${error.message}\n`,
    )
    return 1
  }
  const { business, texts, locales } = files
  const { policy, flow } = business
  const answers = locales.answers[language]
  // Filled in as the bot would for every contact; the other variables depend on the contact.
  const vars = { business: policy.controller.name, controllerContact: policy.controller.contact }
  const lookup: DiagramTexts = {
    language,
    text: (key) => texts.render(language, key, vars),
    // The words as written for this language (Texts pools command words across languages).
    words: (intent) =>
      intent === CHANNEL_INTENT
        ? policy.channels.map((c) => texts.render(language, `channels.${c.channel}`))
        : (answers.words[intent] ?? []),
    // The picture's own words: headings, legend, captions (locales/<lang>/pages.json).
    captions: diagramCaptions(texts, language),
  }
  const graph = flowGraph(flow, lookup)

  for (const file of [markdownFile, htmlFile]) mkdirSync(dirname(file), { recursive: true })
  writeFileSync(markdownFile, diagramMarkdown(graph))
  writeFileSync(htmlFile, diagramHtml(graph, policy.controller.name))
  const shown = (file: string) => {
    const path = relative(projectDir, file)
    return path.startsWith('..') ? file : path.split(sep).join('/')
  }
  process.stdout.write(`Wrote ${shown(markdownFile)} (Mermaid) and ${shown(htmlFile)} (open it in a browser).\n`)
  return 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`npm run flow:diagram: ${error.message}\n\n${USAGE}\n`)
      process.exit(2)
    }
    process.stderr.write(`The diagram stopped on an unexpected error: ${(error as Error)?.stack ?? String(error)}\n`)
    process.exit(1)
  },
)
