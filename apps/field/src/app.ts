import { Workbox } from 'workbox-window';
import { createAppState } from './app-state.js';
import { renderDevicePage } from './pages/device-page.js';
import { renderRunPage } from './pages/run-page.js';
import { renderSessionPage } from './pages/session-page.js';
import { renderTasksPage } from './pages/tasks-page.js';
import './style.css';

const pages = { device: renderDevicePage, run: renderRunPage, tasks: renderTasksPage, session: renderSessionPage } as const;
type Page = keyof typeof pages;

/** Wires the pages, the network pill and the service worker; resolves once the first page has rendered. */
export function startApp(): Promise<void> {
  const state = createAppState();
  const root = document.getElementById('app') as HTMLElement;
  const route = (): Promise<void> => {
    const name = (location.hash.replace(/^#\//, '') || 'run') as Page;
    const page = name in pages ? name : 'run';
    for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) a.classList.toggle('active', a.dataset.page === page);
    // Each visit renders into a fresh view: a slow render of a page left behind lands in a detached node.
    const view = document.createElement('div');
    root.replaceChildren(view);
    return Promise.resolve(pages[page](view, state));
  };
  addEventListener('hashchange', () => void route());
  const first = route();
  showNetwork();
  registerServiceWorker();
  return first;
}

function showNetwork(): void {
  const net = document.getElementById('net') as HTMLElement;
  const showNet = () => {
    net.textContent = navigator.onLine ? 'online' : 'offline: local runs only';
    net.dataset.online = String(navigator.onLine);
  };
  addEventListener('online', showNet);
  addEventListener('offline', showNet);
  showNet();
}

function registerServiceWorker(): void {
  // The service worker precaches the shell (and the runtimes' wasm) so the app opens and runs offline.
  // A new deployment waits until the person chooses to reload.
  if ('serviceWorker' in navigator && import.meta.env.PROD) {
    const wb = new Workbox('/sw.js');
    const banner = document.getElementById('update') as HTMLElement;
    wb.addEventListener('waiting', () => {
      banner.hidden = false;
      document.getElementById('update-now')?.addEventListener('click', () => {
        wb.addEventListener('controlling', () => location.reload());
        wb.messageSkipWaiting();
      });
    });
    // The catalog was fetched before the worker controlled this first page; fetch it once more through
    // the worker so it is cached for offline starts.
    wb.addEventListener('controlling', () => void fetch('/models/catalog.json').catch(() => {}));
    void wb.register().then(() => document.documentElement.setAttribute('data-sw', 'registered'));
  }
}
