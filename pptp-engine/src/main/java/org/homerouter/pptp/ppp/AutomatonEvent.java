package org.homerouter.pptp.ppp;

/** The events of the option negotiation automaton, RFC 1661 §4.1 and §4.3, in the table's row order. */
public enum AutomatonEvent {
    /** Up: the lower layer is ready to carry packets. */
    UP("Up"),
    /** Down: the lower layer can no longer carry packets. */
    DOWN("Down"),
    /** Open: administratively allowed to open. */
    OPEN("Open"),
    /** Close: administratively told to close. */
    CLOSE("Close"),
    /** Restart timer expired and the restart counter is still above zero. */
    TO_PLUS("TO+"),
    /** Restart timer expired with the restart counter exhausted. */
    TO_MINUS("TO-"),
    /** Receive-Configure-Request, acceptable (we answer Configure-Ack). */
    RCR_PLUS("RCR+"),
    /** Receive-Configure-Request, unacceptable (we answer Configure-Nak or Configure-Reject). */
    RCR_MINUS("RCR-"),
    /** Receive-Configure-Ack. */
    RCA("RCA"),
    /** Receive-Configure-Nak or Configure-Reject. */
    RCN("RCN"),
    /** Receive-Terminate-Request. */
    RTR("RTR"),
    /** Receive-Terminate-Ack. */
    RTA("RTA"),
    /** Receive-Unknown-Code. */
    RUC("RUC"),
    /** Receive-Code-Reject or Protocol-Reject of something we can do without. */
    RXJ_PLUS("RXJ+"),
    /** Receive-Code-Reject or Protocol-Reject that makes the layer unusable. */
    RXJ_MINUS("RXJ-"),
    /** Receive-Echo-Request, Echo-Reply or Discard-Request. */
    RXR("RXR");

    private final String rfcName;

    AutomatonEvent(String rfcName) {
        this.rfcName = rfcName;
    }

    /** The event's name as the RFC prints it, e.g. "RCR+". */
    public String rfcName() {
        return rfcName;
    }
}
