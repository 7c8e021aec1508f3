import { deleteBootResource, importBootResources, isImporting, listBootResources, readBootResource, stopImport } from './boot-resources.js';
import { createBootResource } from './create.js';
import { CAPABILITIES } from './eras.js';
import { pythonJsonDumps } from '../python/json-dumps.js';
import { JSON_UTF8, type SimResponse } from './responses.js';
import type { SimContext } from './sim-context.js';
import { uploadChunk } from './upload.js';
import { listUsers, readUser, whoami } from './users.js';
import { OPS_HANDLERS } from './ops-handlers.js';
import type { HandlerDef } from './handler-def.js';

/** BootResourcesHandler.create's docstring as describe/ renders it (src/maasserver/api/boot_resources.py, src/maasserver/api/doc.py). */
const CREATE_DOC = [
  'Create a new boot resource\n\nCreates a new boot resource. The file upload must be done in chunk, see Boot resource file upload.\n\n',
  ...[
    ['name', 'Required. Name of the boot resource.'],
    ['architecture', 'Required. Architecture the boot resource supports.'],
    ['sha256', 'Required. The ``sha256`` hash of the resource.'],
    ['size', 'Required. The size of the resource in bytes.'],
    ['title', 'Optional. Title for the boot resource.'],
    ['filetype', 'Optional. Filetype for uploaded content.'],
    ['base_image', 'Optional. The Base OS image a custom image is built on top of. Only required for custom image.'],
  ].map(([name, text]) => `:param ${name}: ${text}\n:type ${name}: String\n\n `),
].join('');


const P = '/MAAS/api/2.0/';

/** `GET version/` (docs/maas-api.md#version-and-eras): compact `json.dumps`, not piston's emitter. */
function version(sim: SimContext): SimResponse {
  const body = pythonJsonDumps({ capabilities: CAPABILITIES, version: sim.version, subversion: '' });
  return { status: 200, headers: { 'Content-Type': JSON_UTF8 }, body, inResource: true };
}

/** The API handlers this simulator implements, as MAAS registers them (docs/maas-api.md#urls-and-dispatch). */
export const HANDLERS: HandlerDef[] = [
  {
    name: 'VersionHandler',
    doc: 'Information about this MAAS instance.\n\nThis returns a JSON dictionary with information about this\nMAAS instance::\n\n    {\n        \'version\': \'1.8.0\',\n        \'subversion\': \'alpha10+bzr3750\',\n        \'capabilities\': [\'capability1\', \'capability2\', ...]\n    }',
    route: /^version\/$/,
    path: () => `${P}version/`,
    params: () => [],
    anonymous: true,
    actions: [{ name: 'read', method: 'GET', op: null, doc: 'Version and capabilities of this MAAS instance.', run: version }],
  },
  {
    name: 'UsersHandler',
    doc: 'Manage the user accounts of this MAAS.',
    route: /^users\/$/,
    path: () => `${P}users/`,
    params: () => [],
    actions: [
      { name: 'read', method: 'GET', op: null, doc: 'List users', run: listUsers },
      { name: 'whoami', method: 'GET', op: 'whoami', doc: 'Retrieve logged-in user\n\nReturns the currently logged-in user.', run: whoami },
    ],
  },
  {
    name: 'UserHandler',
    doc: 'Manage a user account.',
    route: /^users\/([^/]+)\/$/,
    path: () => `${P}users/{username}/`,
    params: () => ['username'],
    actions: [{ name: 'read', method: 'GET', op: null, doc: 'Retrieve user details', run: readUser }],
  },
  {
    name: 'BootResourcesHandler',
    doc: 'Manage the boot resources.',
    route: /^boot-resources\/$/,
    path: () => `${P}boot-resources/`,
    params: () => [],
    actions: [
      // The doc as describe/ renders an annotated docstring (src/maasserver/api/doc.py describe_actions):
      // the official maas CLI offers key=value arguments only when it holds ':param'.
      { name: 'create', method: 'POST', op: null, doc: CREATE_DOC, run: createBootResource },
      { name: 'import', method: 'POST', op: 'import', doc: 'Import boot resources\n\nImport the boot resources.', run: importBootResources },
      { name: 'is_importing', method: 'GET', op: 'is_importing', doc: 'Importing status\n\nGet the status of importing resources.', run: isImporting },
      { name: 'read', method: 'GET', op: null, doc: 'List boot resources\n\nList all boot resources', run: listBootResources },
      { name: 'stop_import', method: 'POST', op: 'stop_import', doc: 'Stop import boot resources\n\nStop import the boot resources.', run: stopImport },
    ],
  },
  {
    name: 'BootResourceHandler',
    doc: 'Manage a boot resource.',
    route: /^boot-resources\/([^/]+)\/$/,
    path: () => `${P}boot-resources/{id}/`,
    params: () => ['id'],
    actions: [
      { name: 'delete', method: 'DELETE', op: null, doc: 'Delete a boot resource\n\nDelete a boot resource by id.', run: deleteBootResource },
      { name: 'read', method: 'GET', op: null, doc: 'Read a boot resource\n\nReads a boot resource by id', run: readBootResource },
    ],
  },
  {
    name: 'BootResourceFileUploadHandler',
    doc: 'Upload a boot resource file.',
    route: /^boot-resources\/([^/]+)\/upload\/([^/]+)\/$/,
    // URL kwargs differ by era although the URL is the same (docs/maas-api.md#urls-and-dispatch).
    path: (era) => (era.uploadHandlerDescribed ? `${P}boot-resources/{resource_id}/upload/{id}/` : `${P}boot-resources/{id}/upload/{file_id}/`),
    params: (era) => (era.uploadHandlerDescribed ? ['resource_id', 'id'] : ['id', 'file_id']),
    hidden: (era) => !era.uploadHandlerDescribed,
    actions: [{ name: 'update', method: 'PUT', op: null, doc: 'Upload piece of boot resource file.', run: uploadChunk }],
  },
  // Machines, events, controllers (deploy and wait-ready).
  ...OPS_HANDLERS,
];
