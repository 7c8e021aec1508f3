/** The events a simulated machine logs; apart from the event log's handler so the machine state can use them without a cycle. */

/** Event types the simulator emits, with MAAS's descriptions and levels (`src/maascommon/events.py EVENT_DETAILS_MAP`). */
export const EVENT_TYPES = {
  NODE_CHANGED_STATUS: { description: 'Node changed status', level: 'DEBUG' },
  NODE_STATUS_EVENT: { description: 'Node status event', level: 'DEBUG' },
  NODE_INSTALL_EVENT: { description: 'Node installation', level: 'DEBUG' },
  NODE_INSTALL_EVENT_FAILED: { description: 'Node installation failure', level: 'ERROR' },
  NODE_POST_INSTALL_EVENT_FAILED: { description: 'Node post-installation failure', level: 'ERROR' },
  REQUEST_NODE_START_DEPLOYMENT: { description: 'User starting deployment', level: 'DEBUG' },
  CONFIGURING_STORAGE: { description: 'Configuring storage', level: 'INFO' },
  INSTALLING_OS: { description: 'Installing OS', level: 'INFO' },
  CONFIGURING_OS: { description: 'Configuring OS', level: 'INFO' },
  REBOOTING: { description: 'Rebooting', level: 'INFO' },
  DEPLOYED: { description: 'Deployed', level: 'INFO' },
} as const;
export type EventTypeName = keyof typeof EVENT_TYPES;

export interface SimEvent {
  id: number;
  node: string;
  hostname: string;
  username: string | null;
  type: EventTypeName;
  description: string;
  created: number;
}
