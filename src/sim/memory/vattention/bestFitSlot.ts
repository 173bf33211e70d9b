/**
 * The free slot a new request of `groupsNeeded` page groups gets, as vAttention chooses it
 * (vattention/vattention.cu, alloc_new_batch_idx): start from the lowest-numbered free slot, then
 * move to any free slot that already maps at least `groupsNeeded` groups and fewer than the current
 * choice. Its quirk is kept on purpose: when the lowest free slot maps nothing, no slot maps fewer,
 * so the choice stays there even if a cached slot would have served the request without mapping.
 * Returns -1 when no slot is free. O(slots): vAttention scans all of them too (< 1000).
 *
 * @param running - slot is taken when running[slot] >= 0
 * @param mapped - page groups mapped in each slot
 */
export function bestFitSlot(running: Int32Array, mapped: Int32Array, slots: number, groupsNeeded: number): number {
  let choice = -1;
  for (let s = 0; s < slots; s++) {
    if (running[s] >= 0) continue;
    if (choice === -1) {
      choice = s;
      continue;
    }
    if (mapped[s] >= groupsNeeded && mapped[s] < mapped[choice]) choice = s;
  }
  return choice;
}
