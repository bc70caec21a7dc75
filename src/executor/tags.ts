/** Ansible's tag selection: --tags / --skip-tags with all, always, never, tagged, untagged. */
import type { Block, Task } from '../playbook/model.js';
import { pyStr } from '../python/values.js';
import type { PlayContext } from './vars.js';

export interface TagFilter {
  /** --tags (empty: all). */
  only: string[];
  /** --skip-tags. */
  skip: string[];
}

function tagList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((v) => pyStr(v).split(',')).map((t) => t.trim()).filter(Boolean);
}

/** A task's tags: its own, its blocks' (which include role entries and imports), and the play's. */
export function effectiveTags(task: Task, pc: PlayContext): string[] {
  const tags = new Set(tagList(task.keywords['tags']));
  for (let b: Block | undefined = task.parent; b; b = b.parent) for (const t of tagList(b.keywords['tags'])) tags.add(t);
  for (let inc = task.includedFrom; inc; inc = inc.includedFrom) {
    for (let b: Block | undefined = inc.parent; b; b = b.parent) for (const t of tagList(b.keywords['tags'])) tags.add(t);
  }
  for (const t of tagList(pc.play.keywords['tags'])) tags.add(t);
  return [...tags];
}

export function selectedByTags(task: Task, pc: PlayContext, filter: TagFilter): boolean {
  const tags = effectiveTags(task, pc);
  const only = filter.only.length ? filter.only : ['all'];
  const skip = filter.skip;
  let run = false;
  if (tags.includes('always') && !skip.includes('always')) run = true;
  else if (only.includes('all')) run = !tags.includes('never');
  else if (only.includes('tagged') && tags.some((t) => t !== 'never')) run = true;
  else if (only.includes('untagged') && (tags.length === 0 || (tags.length === 1 && tags[0] === 'always'))) run = true;
  else if (tags.some((t) => only.includes(t))) run = true;
  if (tags.includes('always') && only.includes('never')) run = true;
  if (!run) return false;
  if (skip.length) {
    if (tags.some((t) => skip.includes(t) && t !== 'always')) return false;
    if (skip.includes('always') && tags.includes('always')) return false;
    if (skip.includes('tagged') && tags.length > 0) return false;
    if (skip.includes('untagged') && tags.length === 0) return false;
    if (skip.includes('all') && !tags.includes('always')) return false;
  }
  return true;
}
