/**
 * "Flash all": the boards ticked in the sidebar, flashed with one image at once (each its own job in
 * main, so one board's failure never stops another and each lands in its own board's flash log).
 */
export const flashAll = $state({
  /** Ticked boards, in the order they were ticked. */
  boardIds: [] as string[],
  /** The Flash all view is in front (instead of the selected board). */
  open: false,
});

export function toggleFlashAll(boardId: string, included: boolean): void {
  const without = flashAll.boardIds.filter((id) => id !== boardId);
  flashAll.boardIds = included ? [...without, boardId] : without;
  if (flashAll.boardIds.length < 2) flashAll.open = false;
}
