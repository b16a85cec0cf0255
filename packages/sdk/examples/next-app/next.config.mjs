// A static export: `next build` writes out/, which any static server can serve with the two
// cross-origin isolation headers. (`headers()` in this file applies only under `next start`.)
export default {
  output: 'export',
};
