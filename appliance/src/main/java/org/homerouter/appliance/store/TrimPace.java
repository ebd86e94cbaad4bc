package org.homerouter.appliance.store;

/**
 * When a pool of rows is trimmed: at the first row written since the start (finding the cutoff
 * reads the table), then once per hundredth of the pool's limit written, not at every row.
 */
final class TrimPace {
    /** Rows written since the last trim; -1 before the first. */
    private int since = -1;

    boolean due(int kept) {
        int written = ++since;
        if (written > 0 && written <= kept / 100) { // 0: the first row since the start
            return false;
        }
        since = 0;
        return true;
    }
}
