import { createApp } from 'vue';
import { createPinia } from 'pinia';
import {
  ElAlert,
  ElAside,
  ElButton,
  ElCard,
  ElConfigProvider,
  ElContainer,
  ElDialog,
  ElDropdown,
  ElDropdownItem,
  ElDropdownMenu,
  ElEmpty,
  ElForm,
  ElFormItem,
  ElHeader,
  ElInput,
  ElLoading,
  ElMain,
  ElMenu,
  ElMenuItem,
  ElOption,
  ElOptionGroup,
  ElProgress,
  ElSelect,
  ElTable,
  ElTableColumn,
  ElTag,
  ElTooltip,
} from 'element-plus';
import 'element-plus/dist/index.css';
import App from './App.vue';
import { i18n } from './i18n';
import { router } from './router';
import './styles.css';

const app = createApp(App);
app.use(createPinia());
app.use(i18n);
for (const plugin of [
  ElAlert,
  ElAside,
  ElButton,
  ElCard,
  ElConfigProvider,
  ElContainer,
  ElDialog,
  ElDropdown,
  ElDropdownItem,
  ElDropdownMenu,
  ElEmpty,
  ElForm,
  ElFormItem,
  ElHeader,
  ElInput,
  ElLoading,
  ElMain,
  ElMenu,
  ElMenuItem,
  ElOption,
  ElOptionGroup,
  ElProgress,
  ElSelect,
  ElTable,
  ElTableColumn,
  ElTag,
  ElTooltip,
]) {
  app.use(plugin);
}
app.use(router);
app.mount('#app');
