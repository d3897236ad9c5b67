import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { bytes } from './format';

export interface TrafficPoint {
  at: string;
  bytesOut: number;
  bytesIn: number;
}

/** Bytes sent and received per bucket, on a local-time axis; redrawn to the container's width. */
export function TrafficChart(props: { points: TrafficPoint[] }): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const data: uPlot.AlignedData = [
      props.points.map((p) => Date.parse(p.at) / 1000),
      props.points.map((p) => p.bytesOut),
      props.points.map((p) => p.bytesIn),
    ];
    const width = (): number => Math.max(280, element.clientWidth);
    const chart = new uPlot(
      {
        width: width(),
        height: 220,
        series: [
          {},
          {
            label: 'sent',
            stroke: '#c2410c',
            fill: 'rgba(194,65,12,0.12)',
            value: (_u, v) => (v == null ? '—' : bytes(v)),
          },
          {
            label: 'received',
            stroke: '#1d4ed8',
            fill: 'rgba(29,78,216,0.12)',
            value: (_u, v) => (v == null ? '—' : bytes(v)),
          },
        ],
        axes: [{}, { values: (_u, ticks) => ticks.map((t) => bytes(t)), size: 84 }],
      },
      data,
      element,
    );
    const resize = (): void => chart.setSize({ width: width(), height: 220 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      chart.destroy();
    };
  }, [props.points]);
  return <div class="chart" ref={box} />;
}
