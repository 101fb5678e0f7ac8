// The settings tests' routes on the shared fake server (src/test/network.ts):
// a reply gets the call and the path parameters in order.
import { on, type Call } from '../../test/network';

export { calls, callsTo, json, noContent, problem, resetNetwork, type Call } from '../../test/network';

export function route(method: string, path: string, reply: (call: Call, params: string[]) => Response | Promise<Response>): void {
  on(method, path, (call) => reply(call, Object.values(call.params)));
}
