import type { AppState } from '../app-state.js';

export type PageClient = Awaited<ReturnType<AppState['client']>>;

/** The app's SDK client for a page; if it cannot start, the page's status line says why, as an alert. */
export async function pageClient(state: AppState, status: HTMLElement): Promise<PageClient | undefined> {
  try {
    return await state.client();
  } catch (error) {
    status.className = 'error';
    status.setAttribute('role', 'alert');
    status.textContent = `Could not start the SDK: ${(error as Error).message}`;
    return undefined;
  }
}
