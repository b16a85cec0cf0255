import { createClient, type DeviceProfile, type SplitflowClient } from '@splitflow/sdk';
import { createFieldSession, type FieldSession, type RunRecord } from './session/field-session.js';

const SESSION_KEY = 'splitflow-field-session';

/** What the pages share: one SDK client and the field session (kept in localStorage across reloads). */
export interface AppState {
  client(): Promise<SplitflowClient>;
  session: FieldSession;
  save(): void;
  profile(): DeviceProfile | undefined;
}

export function createAppState(): AppState {
  let clientPromise: Promise<SplitflowClient> | undefined;
  let client: SplitflowClient | undefined;
  let restored: RunRecord[] = [];
  try {
    restored = JSON.parse(localStorage.getItem(SESSION_KEY) ?? '{"runs":[]}').runs ?? [];
  } catch {
    restored = [];
  }
  const session = createFieldSession(new Date(), restored);
  return {
    session,
    save: () => {
      try {
        localStorage.setItem(SESSION_KEY, session.toJSON());
      } catch {
        // Storage full or blocked (private mode, some WebViews): the session still lives in memory.
      }
    },
    client: () => {
      clientPromise ??= createClient({
        catalog: new URL('/models/catalog.json', location.origin).href,
        // The app's origin proxies /v2 to the broker, so cloud calls stay same-origin (no CORS, COEP-safe).
        broker: location.origin,
        worker: typeof Worker === 'function',
      }).then((c) => {
        client = c;
        return c;
      });
      // A failed start (catalog unreachable offline on first visit) may be retried by the next call.
      clientPromise.catch(() => {
        clientPromise = undefined;
      });
      return clientPromise;
    },
    profile: () => client?.capabilities,
  };
}
