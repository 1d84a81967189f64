// One ECharts instance bound to an element for a component's lifetime: created on mount, resized
// with its element, disposed on unmount. `render` draws into it once mounted and again whenever
// `source` changes (deeply).
import { onBeforeUnmount, onMounted, watch, type Ref, type WatchSource } from 'vue';
import * as echarts from 'echarts/core';

export function useChart(
  el: Ref<HTMLElement | undefined>,
  render: (chart: echarts.ECharts) => void,
  source: WatchSource,
): void {
  let chart: echarts.ECharts | undefined;
  let observer: ResizeObserver | undefined;
  const draw = () => {
    if (chart) render(chart);
  };
  onMounted(() => {
    if (!el.value) return;
    chart = echarts.init(el.value);
    draw();
    if (typeof ResizeObserver !== 'undefined') {
      observer = new ResizeObserver(() => chart?.resize());
      observer.observe(el.value);
    }
  });
  watch(source, draw, { deep: true });
  onBeforeUnmount(() => {
    observer?.disconnect();
    chart?.dispose();
    chart = undefined;
  });
}
