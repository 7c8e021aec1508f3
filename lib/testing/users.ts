import type { PyValue } from './py-format.js';
import { API_PREFIX } from './render.js';
import { notFound, pistonJson, type SimResponse } from './responses.js';
import type { HandlerRequest, SimContext } from './sim-context.js';
import type { SimUser } from './types.js';

/** UserHandler.fields plus piston's resource_uri (docs/maas-api.md#users). */
function userToDict(user: SimUser): Map<string, PyValue> {
  return new Map<string, PyValue>([
    ['username', user.username],
    ['email', user.email ?? ''],
    ['is_local', true],
    ['is_superuser', user.isSuperuser],
    ['resource_uri', `${API_PREFIX}users/${encodeURIComponent(user.username)}/`],
  ]);
}

/** `GET users/?op=whoami` (docs/maas-api.md#users). */
export function whoami(_sim: SimContext, req: HandlerRequest): SimResponse {
  return pistonJson(200, userToDict(req.user!));
}

/** `GET users/` */
export function listUsers(sim: SimContext): SimResponse {
  return pistonJson(200, sim.store.data.users.map(userToDict));
}

/** `GET users/{username}/` */
export function readUser(sim: SimContext, req: HandlerRequest): SimResponse {
  const user = sim.store.data.users.find((u) => u.username === req.params[0]);
  if (!user) throw notFound('No User matches the given query.');
  return pistonJson(200, userToDict(user));
}
