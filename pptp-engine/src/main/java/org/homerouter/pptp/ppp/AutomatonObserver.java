package org.homerouter.pptp.ppp;

/** Optional trace of an automaton's work, for diagnostics; every method defaults to doing nothing. */
public interface AutomatonObserver {
    /** An action of the RFC 1661 table is being taken. */
    default void action(AutomatonAction action) {
    }

    /** A legal event moved the automaton (possibly to the same state). */
    default void transition(AutomatonState from, AutomatonEvent event, AutomatonState to) {
    }

    /** Observes nothing. */
    AutomatonObserver NONE = new AutomatonObserver() {
    };
}
