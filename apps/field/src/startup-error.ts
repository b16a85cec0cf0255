/** Replaces the page's main area with what went wrong during start-up, so a failed start never leaves an empty page. */
export function showStartupError(root: HTMLElement | null, error: unknown): void {
  const e = error as { name?: string; message?: string; code?: string };
  const what = error instanceof Error || (e && typeof e.message === 'string') ? `${e.code ?? e.name ?? 'Error'}: ${e.message}` : String(error);
  const box = document.createElement('div');
  box.className = 'card error';
  box.setAttribute('role', 'alert');
  box.dataset.testid = 'startup-error';
  const title = document.createElement('h2');
  title.textContent = 'The field app could not start';
  const detail = document.createElement('pre');
  detail.textContent = what;
  const hint = document.createElement('p');
  hint.textContent = `Browser: ${navigator.userAgent}. Language: ${String(navigator.language)}. Reload to try again; report this text if it persists.`;
  box.append(title, detail, hint);
  (root ?? document.body).replaceChildren(box);
}
