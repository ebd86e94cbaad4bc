package org.homerouter.pptp.control;

import java.net.InetAddress;

/**
 * One PPTP call (a tunnel carrying one PPP session) as the control connection knows it. The
 * GRE layer keys it by {@link #localCallId()} (what the peer writes into the GRE Key, RFC 2637
 * §4.1) and sends with {@link #peerCallId()}.
 */
public final class PptpCall {
    public enum State { WAIT_REPLY, ESTABLISHED, CLEARING, CLEARED }

    private final ControlConnection connection;
    private final int localCallId;
    private volatile int peerCallId;
    private final int serialNumber;
    private volatile State state;
    private volatile int peerReceiveWindow;
    private volatile int sendAccm = 0xFFFFFFFF;
    private volatile int receiveAccm = 0xFFFFFFFF;
    private volatile boolean loggedIn;

    PptpCall(ControlConnection connection, int localCallId, int peerCallId, int serialNumber, State state) {
        this.connection = connection;
        this.localCallId = localCallId;
        this.peerCallId = peerCallId;
        this.serialNumber = serialNumber;
        this.state = state;
    }

    public int localCallId() {
        return localCallId;
    }

    public int peerCallId() {
        return peerCallId;
    }

    public int serialNumber() {
        return serialNumber;
    }

    public State state() {
        return state;
    }

    /** The peer's Packet Recv Window Size (§2.7/§2.8): how many unacknowledged GRE packets it takes. */
    public int peerReceiveWindow() {
        return peerReceiveWindow;
    }

    /** ACCMs from the last Set-Link-Info (§2.15); meaningless over GRE but kept for diagnostics. */
    public int sendAccm() {
        return sendAccm;
    }

    public int receiveAccm() {
        return receiveAccm;
    }

    /** The peer's IP address: GRE for this call is accepted only from here. */
    public InetAddress peerAddress() {
        return connection.remoteAddress().getAddress();
    }

    /** Our address the peer's control connection reached (where our GRE must come from), or null if unknown. */
    public InetAddress localAddress() {
        java.net.InetSocketAddress local = connection.localAddress();
        return local == null ? null : local.getAddress();
    }

    public ControlConnection connection() {
        return connection;
    }

    void peerCallId(int id) {
        this.peerCallId = id;
    }

    void state(State s) {
        this.state = s;
    }

    void peerReceiveWindow(int w) {
        this.peerReceiveWindow = w;
    }

    void linkInfo(int send, int receive) {
        this.sendAccm = send;
        this.receiveAccm = receive;
    }

    /**
     * Its PPP session has authenticated a user: a working tunnel, no longer a stranger's attempt.
     * The control server's per-address limit counts only connections without such a call, so
     * that many workers behind one office NAT can all be connected at once.
     */
    public void markLoggedIn() {
        loggedIn = true;
    }

    public boolean loggedIn() {
        return loggedIn;
    }

    @Override
    public String toString() {
        return "call " + localCallId + "/" + peerCallId + " with " + connection.remoteAddress();
    }
}
