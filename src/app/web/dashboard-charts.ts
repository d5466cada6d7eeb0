/**
 * The dashboard's charts: inline SVG drawn in the page's own pixels (no script, no external
 * request), each segment titled with its number; the tables beside them hold the same numbers.
 */
import type { DayCount } from './dashboard-stats.js'
import { html, type Html } from './html.js'
import type { PageText } from '../page-texts.js'

export const COLORS = {
  given: '#2e9d6e',
  refused: '#e0a030',
  withdrawn: '#d0543f',
  lapsed: '#8a8f98',
  unanswered: '#b9c0ca',
  bar: '#3b7dd8',
  confirmed: '#1f5fb4',
  step: '#8e6bd1',
}

export interface Segment {
  /** The series, as the chart's data names it (`data-series`). */
  series: string
  /** As the page shows it. */
  name: string
  value: number
  color: string
}

/** A chart's row label at most this long: one line in 12 px on a phone (the table below has it whole). */
export const CHART_LABEL = 56

export const percent = (part: number, whole: number) => (whole ? `${Math.round((part / whole) * 100)}%` : '–')

export function legend(segments: { name: string; color: string }[]): Html {
  return html`<p class="legend">${segments.map((s) => html`<span><i style="background:${s.color}"></i>${s.name}</span> `)}</p>`
}

/**
 * The charts are drawn in the page's own pixels, not scaled to fit: their words keep their size
 * (12 px) on a phone's screen as on a computer's. What must stretch with the page is placed in
 * percent of its width; a nested <svg> at a percentage gives pixel positions from there.
 */
const pct = (fraction: number) => `${(fraction * 100).toFixed(2)}%`

/** Horizontal bars, one row per label (written above its bar), each split into segments; every segment titled with its number. */
export function barChart(id: string, label: string, rows: { label: string; segments: Segment[] }[], t: PageText): Html {
  const rowHeight = 44
  /** The longest bar, as a share of the chart's width: the rest is for its total. */
  const barShare = 0.85
  const height = rows.length * rowHeight + 4
  const max = Math.max(1, ...rows.map((r) => r.segments.reduce((n, s) => n + s.value, 0)))
  return html`<svg id="${id}" class="chart" role="img" aria-label="${label}" width="100%" height="${height}">
${rows.map((row, i) => {
  const y = i * rowHeight
  let x = 0
  const total = row.segments.reduce((n, s) => n + s.value, 0)
  return html`<g data-row="${row.label}"><text x="0" y="${y + 15}">${row.label}</text>
${row.segments
  .filter((s) => s.value > 0)
  .map((s) => {
    const w = (s.value / max) * barShare
    const name = s.series === 'contacts' && s.value === 1 ? t('dashboard.series.contact') : s.name
    const rect = html`<rect x="${pct(x)}" y="${y + 21}" width="${pct(w)}" height="18" fill="${s.color}" data-series="${s.series}" data-value="${s.value}"><title>${row.label}: ${s.value} ${name}</title></rect>
`
    x += w
    return rect
  })}<text x="${pct(x)}" dx="6" y="${y + 35}" class="total">${total}</text></g>
`
})}</svg>`
}

/** One column per day, stacked given / refused / withdrawn. */
export function dayChart(days: DayCount[], t: PageText): Html {
  if (!days.length) return html`<p class="muted">${t('dashboard.days.empty')}</p>`
  const height = 220
  const left = 36
  const right = 10
  const bottom = 28
  const plotHeight = height - bottom - 10
  const max = Math.max(1, ...days.map((d) => d.given + d.refused + d.withdrawn))
  // Wide enough to tell the days apart on a phone (about 300 px to draw in), never wider than 28 px.
  const barWidth = Math.max(2, Math.min(28, (300 / days.length) * 0.75))
  const y = (value: number) => 10 + plotHeight - (value / max) * plotHeight
  const ticks = [...new Set([0, Math.round(max / 2), max])]
  const labelEvery = Math.ceil(days.length / 6)
  return html`<svg id="chart-days" class="chart" role="img" aria-label="${t('dashboard.days.chart')}" width="100%" height="${height}">
${ticks.map(
  (
    t,
  ) => html`<line x1="${left}" x2="100%" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid"/><text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>
`,
)}${days.map((d, i) => {
  // The middle of the day's column: left + (i + ½) / n of the plot, whose width is 100% less left and right.
  const share = (i + 0.5) / days.length
  const offset = left - share * (left + right)
  let base = 0
  const segments: Segment[] = [
    { series: 'given', name: t('dashboard.series.given'), value: d.given, color: COLORS.given },
    { series: 'refused', name: t('dashboard.series.refused'), value: d.refused, color: COLORS.refused },
    { series: 'withdrawn', name: t('dashboard.series.withdrawn'), value: d.withdrawn, color: COLORS.withdrawn },
  ]
  return html`<svg x="${pct(share)}" overflow="visible" data-day="${d.day}">${segments
    .filter((s) => s.value > 0)
    .map((s) => {
      const top = y(base + s.value)
      const rect = html`<rect x="${(offset - barWidth / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(base) - top).toFixed(1)}" fill="${s.color}" data-series="${s.series}" data-value="${s.value}"><title>${d.day}: ${s.value} ${s.name}</title></rect>`
      base += s.value
      return rect
    })}${i % labelEvery === 0 || i === days.length - 1 ? html`<text x="${offset.toFixed(1)}" y="${height - 8}" text-anchor="middle">${d.day.slice(5)}</text>` : ''}</svg>
`
})}</svg>`
}
