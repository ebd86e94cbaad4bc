package org.homerouter.pptp.ppp;

/** The ten states of the option negotiation automaton, numbered as in RFC 1661 §4.1 and §4.2. */
public enum AutomatonState {
    INITIAL(0, "Initial"),
    STARTING(1, "Starting"),
    CLOSED(2, "Closed"),
    STOPPED(3, "Stopped"),
    CLOSING(4, "Closing"),
    STOPPING(5, "Stopping"),
    REQ_SENT(6, "Req-Sent"),
    ACK_RCVD(7, "Ack-Rcvd"),
    ACK_SENT(8, "Ack-Sent"),
    OPENED(9, "Opened");

    private static final AutomatonState[] BY_NUMBER = values();

    private final int number;
    private final String rfcName;

    AutomatonState(int number, String rfcName) {
        this.number = number;
        this.rfcName = rfcName;
    }

    /** The state's number in the RFC's table (0..9). */
    public int number() {
        return number;
    }

    /** The state's name as the RFC prints it, e.g. "Req-Sent". */
    public String rfcName() {
        return rfcName;
    }

    /**
     * Whether the Restart timer runs in this state: RFC 1661 §4.2 runs it in Closing, Stopping,
     * Req-Sent, Ack-Rcvd and Ack-Sent, and in no other state.
     */
    public boolean restartTimerRuns() {
        return number >= 4 && number <= 8;
    }

    /** The state with the RFC's number. */
    public static AutomatonState ofNumber(int number) {
        return BY_NUMBER[number];
    }
}
