/** How a queue chooses among eligible agents. */
export const AssignmentMethod = {
  /** Most free units first; ties go round-robin (earliest last assignment). */
  HighestCapacity: 'highestCapacity',
  /** Per-queue order of members; ties by earliest last assignment. */
  RoundRobin: 'roundRobin',
  /** Longest since the agent last released a conversation. */
  LeastActive: 'leastActive',
} as const;

/** One of the assignment methods. */
export type AssignmentMethod = (typeof AssignmentMethod)[keyof typeof AssignmentMethod];

/** Every assignment method. */
export const ALL_ASSIGNMENT_METHODS: readonly AssignmentMethod[] = Object.values(AssignmentMethod);
