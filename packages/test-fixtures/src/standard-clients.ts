import { fileURLToPath } from 'node:url';

/** The Python script that calls a server with the standard OIP clients (tritonclient, grpcio). */
export const STANDARD_CLIENTS_SCRIPT = fileURLToPath(new URL('./standard_clients.py', import.meta.url));
