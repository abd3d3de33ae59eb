/** Typed access to a node's attributes, with errors that name the node. */
import { fail } from '../errors.js';
import type { AttrValue, Node } from '../ir/graph.js';

export function where(node: Node): string {
  return `node '${node.name}' (${node.op})`;
}

export function attrInt(node: Node, name: string, fallback?: number): number {
  const value: AttrValue | undefined = node.attrs[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    fail(`${where(node)}: attribute '${name}' must be an integer${value === undefined ? ' and is missing' : ''}`);
  }
  return value;
}

export function attrFloat(node: Node, name: string, fallback: number): number {
  const value = node.attrs[name] ?? fallback;
  if (typeof value !== 'number') fail(`${where(node)}: attribute '${name}' must be a number`);
  return value;
}

export function attrInts(node: Node, name: string, fallback?: number[]): number[] | undefined {
  const value = node.attrs[name];
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value)) return [value];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isInteger(v))) fail(`${where(node)}: attribute '${name}' must be a list of integers`);
  return value as number[];
}

export function attrString(node: Node, name: string, fallback: string): string {
  const value = node.attrs[name] ?? fallback;
  if (typeof value !== 'string') fail(`${where(node)}: attribute '${name}' must be a string`);
  return value;
}
