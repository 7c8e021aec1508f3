import { listBootImages, listRackControllers, listRegionControllers, readRackController } from './controllers.js';
import { queryEvents } from './event-log.js';
import type { HandlerDef } from './handler-def.js';
import { allocateMachine, deployMachine, listMachines, readMachine, releaseMachine } from './machines.js';

const P = '/MAAS/api/2.0/';

/**
 * Handlers beyond boot resources: machines, events and controllers, as MAAS registers them
 * (`src/maasserver/api/machines.py`, `events.py`, `rackcontrollers.py`, `regioncontrollers.py`).
 */
export const OPS_HANDLERS: HandlerDef[] = [
  {
    name: 'MachinesHandler',
    doc: 'Manage the collection of all the machines in the MAAS.',
    route: /^machines\/$/,
    path: () => `${P}machines/`,
    params: () => [],
    actions: [
      { name: 'allocate', method: 'POST', op: 'allocate', doc: 'Allocate a machine', run: allocateMachine },
      { name: 'read', method: 'GET', op: null, doc: 'List Nodes visible to the user', run: listMachines },
    ],
  },
  {
    name: 'MachineHandler',
    doc: 'Manage an individual machine.',
    route: /^machines\/([^/]+)\/$/,
    path: () => `${P}machines/{system_id}/`,
    params: () => ['system_id'],
    actions: [
      { name: 'deploy', method: 'POST', op: 'deploy', doc: 'Deploy a machine', run: deployMachine },
      { name: 'read', method: 'GET', op: null, doc: 'Read a node', run: readMachine },
      { name: 'release', method: 'POST', op: 'release', doc: 'Release a machine', run: releaseMachine },
    ],
  },
  {
    name: 'EventsHandler',
    doc: 'Retrieve filtered node events.',
    route: /^events\/$/,
    path: () => `${P}events/`,
    params: () => [],
    actions: [{ name: 'query', method: 'GET', op: 'query', doc: 'List node events', run: queryEvents }],
  },
  {
    name: 'RackControllersHandler',
    doc: 'Manage the collection of all rack controllers in MAAS.',
    route: /^rackcontrollers\/$/,
    path: () => `${P}rackcontrollers/`,
    params: () => [],
    actions: [{ name: 'read', method: 'GET', op: null, doc: 'List Nodes visible to the user', run: listRackControllers }],
  },
  {
    name: 'RackControllerHandler',
    doc: 'Manage an individual rack controller.',
    route: /^rackcontrollers\/([^/]+)\/$/,
    path: () => `${P}rackcontrollers/{system_id}/`,
    params: () => ['system_id'],
    actions: [
      { name: 'list_boot_images', method: 'GET', op: 'list_boot_images', doc: 'List available boot images', run: listBootImages },
      { name: 'read', method: 'GET', op: null, doc: 'Read a node', run: readRackController },
    ],
  },
  {
    name: 'RegionControllersHandler',
    doc: 'Manage the collection of all region controllers in MAAS.',
    route: /^regioncontrollers\/$/,
    path: () => `${P}regioncontrollers/`,
    params: () => [],
    actions: [{ name: 'read', method: 'GET', op: null, doc: 'List Nodes visible to the user', run: listRegionControllers }],
  },
];
