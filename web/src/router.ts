import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { canAccess, rolesFor, safeRedirect, type NavKey } from './core/nav';
import { setUnauthorizedHandler } from './core/client';
import { useSession } from './stores/session';

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    nav?: NavKey;
  }
}

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./modules/auth/LoginPage.vue'),
    meta: { public: true },
  },
  {
    path: '/',
    component: () => import('./layout/AppShell.vue'),
    children: [
      { path: '', name: 'home', component: () => import('./modules/home/HomePage.vue'), meta: { nav: 'home' } },
      { path: 'jobs', name: 'jobs', component: () => import('./modules/jobs/JobsPage.vue'), meta: { nav: 'jobs' } },
      { path: 'audit', name: 'audit', component: () => import('./modules/audit/AuditPage.vue'), meta: { nav: 'audit' } },
      { path: 'users', name: 'users', component: () => import('./modules/auth/UsersPage.vue'), meta: { nav: 'users' } },
      { path: 'land', name: 'land', component: () => import('./modules/land/LandPage.vue'), meta: { nav: 'land' } },
      { path: 'land/lots/:id', name: 'land-lot', component: () => import('./modules/land/LotPage.vue'), meta: { nav: 'land' } },
      { path: 'vouchers', name: 'vouchers', component: () => import('./modules/vouchers/VouchersPage.vue'), meta: { nav: 'vouchers' } },
      { path: 'transit', name: 'transit', component: () => import('./modules/transport/TransitPage.vue'), meta: { nav: 'transit' } },
      { path: 'eco', name: 'eco', component: () => import('./modules/eco/EcoPage.vue'), meta: { nav: 'eco' } },
    ],
  },
  { path: '/:rest(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  const session = useSession();
  await session.init();
  if (to.meta.public) {
    return to.name === 'login' && session.user ? safeRedirect(to.query.redirect) : true;
  }
  if (!session.user) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  if (to.meta.nav && !canAccess(rolesFor(to.meta.nav), session.role)) return { name: 'home' };
  return true;
});

setUnauthorizedHandler(() => {
  const session = useSession();
  session.expire();
  const current = router.currentRoute.value;
  if (!current.meta.public) {
    void router.push({ name: 'login', query: { redirect: current.fullPath } });
  }
});
