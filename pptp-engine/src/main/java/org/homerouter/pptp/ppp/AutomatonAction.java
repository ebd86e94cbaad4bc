package org.homerouter.pptp.ppp;

/** The actions of the option negotiation automaton, RFC 1661 §4.1 and §4.4. */
public enum AutomatonAction {
    /** This-Layer-Up: the layer is open; tell the upper layer. */
    TLU("tlu"),
    /** This-Layer-Down: the layer is leaving Opened; tell the upper layer. */
    TLD("tld"),
    /** This-Layer-Started: the layer needs the lower layer to come up. */
    TLS("tls"),
    /** This-Layer-Finished: the layer no longer needs the lower layer. */
    TLF("tlf"),
    /** Initialize-Restart-Count: to Max-Configure or Max-Terminate, whichever request follows. */
    IRC("irc"),
    /** Zero-Restart-Count: counter to zero and one more timeout before giving up. */
    ZRC("zrc"),
    /** Send-Configure-Request. */
    SCR("scr"),
    /** Send-Configure-Ack. */
    SCA("sca"),
    /** Send-Configure-Nak or Configure-Reject. */
    SCN("scn"),
    /** Send-Terminate-Request. */
    STR("str"),
    /** Send-Terminate-Ack. */
    STA("sta"),
    /** Send-Code-Reject. */
    SCJ("scj"),
    /** Send-Echo-Reply. */
    SER("ser");

    private final String rfcName;

    AutomatonAction(String rfcName) {
        this.rfcName = rfcName;
    }

    /** The action's abbreviation as the RFC prints it, e.g. "scr". */
    public String rfcName() {
        return rfcName;
    }

    /** The action for an RFC abbreviation. */
    public static AutomatonAction ofRfcName(String name) {
        for (AutomatonAction a : values()) {
            if (a.rfcName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("no such action: " + name);
    }
}
