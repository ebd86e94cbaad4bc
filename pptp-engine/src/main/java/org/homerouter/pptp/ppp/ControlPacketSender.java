package org.homerouter.pptp.ppp;

/**
 * Where an automaton's outgoing packets go. The implementation frames them for its protocol and
 * hands them to the link; the automaton itself never does I/O.
 */
@FunctionalInterface
public interface ControlPacketSender {
    void send(ControlPacket packet);
}
