// The mood chart: an inline SVG (no chart library) of the server's trend
// buckets, average per bucket as a line with points, lowest–highest as a
// band, the moving average dashed, and markers where check-ins named
// triggers. Its text alternative is a summary (aria-label), the list of
// trigger annotations, and a table of every bucket.
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { Schemas } from '../../api/client';
import { useFormat, type Formatters } from './format';
import { useWidth } from './useWidth';

type Trends = Schemas['Trends'];
type BucketView = Schemas['BucketView'];
type MoodView = Schemas['MoodView'];

export interface TriggerCount {
  tag: string;
  count: number;
}

/** The triggers of the check-ins in each bucket (by local date), most frequent first. */
export function triggersByBucket(buckets: BucketView[], entries: MoodView[]): TriggerCount[][] {
  return buckets.map((b) => {
    const counts: TriggerCount[] = [];
    for (const e of entries) {
      if (e.localDate < b.start || e.localDate > b.end) continue;
      for (const raw of e.triggers) {
        const tag = raw.trim();
        if (!tag) continue;
        const found = counts.find((c) => c.tag.toLowerCase() === tag.toLowerCase());
        if (found) found.count += 1;
        else counts.push({ tag, count: 1 });
      }
    }
    return counts.sort((a, b) => b.count - a.count);
  });
}

interface Label {
  /** Short, under the axis. */
  axis: string;
  /** Full, in titles and the table. */
  long: string;
}

export function bucketLabel(bucket: Schemas['Bucket'], start: string, fmt: Formatters, t: TFunction): Label {
  switch (bucket) {
    case 'week':
      return {
        axis: fmt.day(start, { day: 'numeric', month: 'short' }),
        long: t('chart.weekOf', { date: fmt.day(start, { day: 'numeric', month: 'short', year: 'numeric' }) }),
      };
    case 'month':
      return {
        axis: fmt.day(start, { month: 'short' }),
        long: fmt.day(start, { month: 'long', year: 'numeric' }),
      };
    default:
      return {
        axis: fmt.day(start, { day: 'numeric', month: 'short' }),
        long: fmt.day(start, { weekday: 'short', day: 'numeric', month: 'short' }),
      };
  }
}

const HEIGHT = 240;
const MARGIN = { top: 28, right: 14, bottom: 30, left: 34 };
const TICKS = [1, 4, 7, 10];

export function MoodChart({ trends, entries }: { trends: Trends; entries: MoodView[] }) {
  const { t } = useTranslation('wellbeing');
  const fmt = useFormat();
  const [ref, width] = useWidth(640);
  const buckets = trends.buckets;
  const n = Math.max(buckets.length, 1);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i: number) => round(MARGIN.left + ((i + 0.5) * plotW) / n);
  const y = (v: number) => round(MARGIN.top + ((10 - v) / 9) * plotH);

  const triggers = useMemo(() => triggersByBucket(buckets, entries), [buckets, entries]);
  const labels = buckets.map((b) => bucketLabel(trends.bucket, b.start, fmt, t));
  const filled = buckets.flatMap((b, i) => (b.mood ? [{ i, mood: b.mood, count: b.count }] : []));
  const list = new Intl.ListFormat(fmt.language, { style: 'long', type: 'conjunction' });
  const tagText = (counts: TriggerCount[]) =>
    list.format(counts.map((c) => (c.count > 1 ? t('chart.tagTimes', { tag: c.tag, times: c.count }) : c.tag)));

  const line = filled.map(({ i, mood }, k) => `${k ? 'L' : 'M'}${x(i)},${y(mood.avg)}`).join(' ');
  const band =
    filled.length > 1
      ? [
          ...filled.map(({ i, mood }, k) => `${k ? 'L' : 'M'}${x(i)},${y(mood.max)}`),
          ...[...filled].reverse().map(({ i, mood }) => `L${x(i)},${y(mood.min)}`),
          'Z',
        ].join(' ')
      : '';
  let moving = '';
  let inRun = false;
  buckets.forEach((b, i) => {
    if (b.movingAverage == null) {
      inRun = false;
      return;
    }
    moving += `${inRun ? 'L' : 'M'}${x(i)},${y(b.movingAverage)} `;
    inRun = true;
  });
  const maxLabels = Math.max(2, Math.floor(plotW / 64));
  const step = Math.ceil(buckets.length / maxLabels);

  const overall = trends.mood;
  const last = filled[filled.length - 1];
  const summary = overall
    ? t('chart.summary', {
        period: t(`chart.period.${trends.bucket}`),
        checkIns: t('checkIns', { count: trends.count }),
        average: fmt.number(overall.avg),
        min: overall.min,
        max: overall.max,
        latest: last ? fmt.number(last.mood.avg) : '',
        latestLabel: last ? labels[last.i]?.long : '',
      })
    : t('chart.empty');
  const annotated = triggers.flatMap((counts, i) => (counts.length > 0 ? [{ i, counts }] : []));

  return (
    <figure className="chart wb-mood-chart-figure">
      <div ref={ref}>
        <svg
          className="wb-mood-chart"
          data-testid="mood-chart"
          role="img"
          aria-label={summary}
          viewBox={`0 0 ${width} ${HEIGHT}`}
          preserveAspectRatio="xMidYMid meet"
        >
          <g className="wb-chart-grid">
            {TICKS.map((v) => (
              <g key={v}>
                <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(v)} y2={y(v)} />
                <text x={MARGIN.left - 8} y={y(v)} dy="0.32em" textAnchor="end">
                  {v}
                </text>
              </g>
            ))}
          </g>
          {band && <path className="wb-chart-band" d={band} />}
          {filled.length === 1 && filled[0] && (
            <rect
              className="wb-chart-band"
              x={x(filled[0].i) - 6}
              width={12}
              y={y(filled[0].mood.max)}
              height={Math.max(2, y(filled[0].mood.min) - y(filled[0].mood.max))}
              rx={3}
            />
          )}
          {moving && <path className="wb-chart-moving" d={moving.trim()} />}
          {filled.length > 1 && <path className="wb-chart-line" d={line} />}
          {filled.map(({ i, mood, count }) => (
            <circle key={i} className="wb-chart-point" data-testid="mood-point" cx={x(i)} cy={y(mood.avg)} r={4.5}>
              <title>
                {t('chart.pointTitle', {
                  label: labels[i]?.long,
                  average: fmt.number(mood.avg),
                  min: mood.min,
                  max: mood.max,
                  checkIns: t('checkIns', { count }),
                })}
              </title>
            </circle>
          ))}
          {annotated.map(({ i, counts }) => (
            <path
              key={i}
              className="wb-chart-trigger"
              data-testid="trigger-marker"
              d={`M${x(i) - 6},${MARGIN.top - 20} L${x(i) + 6},${MARGIN.top - 20} L${x(i)},${MARGIN.top - 10} Z`}
            >
              <title>{t('chart.triggerTitle', { label: labels[i]?.long, triggers: tagText(counts) })}</title>
            </path>
          ))}
          <g className="wb-chart-axis">
            {buckets.map((b, i) =>
              i % step === 0 ? (
                <text key={b.start} x={x(i)} y={HEIGHT - 10} textAnchor="middle">
                  {labels[i]?.axis}
                </text>
              ) : null,
            )}
          </g>
        </svg>
      </div>
      <figcaption>
        <ul className="wb-chart-legend">
          <li>
            <span className="wb-swatch wb-swatch-line" aria-hidden="true" /> {t('chart.legend.average')}
          </li>
          <li>
            <span className="wb-swatch wb-swatch-band" aria-hidden="true" /> {t('chart.legend.range')}
          </li>
          <li>
            <span className="wb-swatch wb-swatch-moving" aria-hidden="true" />{' '}
            {t('chart.legend.moving', { unit: t(`chart.unit.${trends.bucket}`, { count: trends.window }) })}
          </li>
          <li>
            <span className="wb-swatch wb-swatch-trigger" aria-hidden="true" /> {t('chart.legend.trigger')}
          </li>
        </ul>
        {annotated.length > 0 && (
          <div className="wb-chart-triggers">
            <h3>{t('chart.triggersTitle')}</h3>
            <ul data-testid="trigger-annotations">
              {annotated.map(({ i, counts }) => (
                <li key={i}>
                  <strong>{labels[i]?.long}:</strong> {tagText(counts)}
                </li>
              ))}
            </ul>
          </div>
        )}
        <details className="wb-chart-table">
          <summary>{t('chart.showTable')}</summary>
          <div className="wb-table-scroll">
            <table>
              <caption className="visually-hidden">{summary}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('chart.table.period')}</th>
                  <th scope="col">{t('chart.table.count')}</th>
                  <th scope="col">{t('chart.table.average')}</th>
                  <th scope="col">{t('chart.table.range')}</th>
                  <th scope="col">{t('chart.table.moving')}</th>
                  <th scope="col">{t('chart.table.triggers')}</th>
                </tr>
              </thead>
              <tbody>
                {filled.map(({ i, mood, count }) => (
                  <tr key={i}>
                    <th scope="row">{labels[i]?.long}</th>
                    <td>{count}</td>
                    <td>{fmt.number(mood.avg)}</td>
                    <td>{t('chart.table.rangeValue', { min: mood.min, max: mood.max })}</td>
                    <td>{buckets[i]?.movingAverage != null ? fmt.number(buckets[i].movingAverage) : '—'}</td>
                    <td>{triggers[i]?.length ? tagText(triggers[i]) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </figcaption>
    </figure>
  );
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
