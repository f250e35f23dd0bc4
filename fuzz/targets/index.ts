/** Every fuzz target, in the order the runner takes them. */
import type { Context, NodeContext } from '../context.js';
import type { FuzzTarget } from '../target.js';
import { argumentTargets } from './arguments.js';
import { datagramTargets } from './datagram.js';
import { decodeTargets } from './decode.js';
import { encodeTargets } from './encode.js';
import { nodeTargets } from './node-stream.js';
import { parserTargets } from './parser.js';
import { tlvTargets } from './tlv.js';

export { checkLargestHeaderBytewise } from './parser.js';

/** The targets of the runtime-agnostic core. */
export function coreTargets(context: Context): FuzzTarget[] {
  return [
    ...decodeTargets(context),
    ...parserTargets(context),
    ...encodeTargets(context),
    ...tlvTargets(context),
    ...datagramTargets(context),
    ...argumentTargets(context),
  ];
}

/** Every target: the core's, then the Node stream integrations'. */
export function allTargets(context: NodeContext): FuzzTarget[] {
  return [...coreTargets(context), ...nodeTargets(context)];
}
