import { repairNavigatorLanguage } from './locale.js';
import { showStartupError } from './startup-error.js';

// Start-up in two steps so nothing the app or its libraries throw while loading leaves an empty page:
// this module has no dependencies that can fail; the app and its libraries load behind it.
repairNavigatorLanguage();
const root = document.getElementById('app');
import('./app.js')
  .then((app) => app.startApp())
  .catch((error: unknown) => {
    console.error('start-up failed', error);
    showStartupError(root, error);
  });
