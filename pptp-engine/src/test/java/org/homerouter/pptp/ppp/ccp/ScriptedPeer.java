package org.homerouter.pptp.ppp.ccp;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.ppp.AutomatonSettings;
import org.homerouter.pptp.ppp.AutomatonState;
import org.homerouter.pptp.ppp.ConfigOption;
import org.homerouter.pptp.ppp.ConfigureReply;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.homerouter.pptp.ppp.ExtensionEvent;
import org.homerouter.pptp.ppp.NegotiationAutomaton;
import org.homerouter.pptp.ppp.ProtocolLayer;

/**
 * A CCP peer with fixed behaviour, for peers our own {@link Ccp} cannot play: one that will not do
 * MPPE at all, or one that insists on stateful mode. Runs the same RFC 1661 automaton.
 */
final class ScriptedPeer implements CcpTestLink.End {
    final NegotiationAutomaton automaton;
    /** What it asks for; Configure-Rejected options are dropped from it, as RFC 1661 §5.4 demands. */
    private List<ConfigOption> request;
    /** Its next request after a Configure-Nak suggesting these options; by default it asks again unchanged. */
    UnaryOperator<List<ConfigOption>> afterNak;
    int naksReceived;
    /** How it answers our requests. */
    private final Function<List<ConfigOption>, ConfigureReply> judge;

    ScriptedPeer(Clock clock, ControlPacketSender sender, List<ConfigOption> request,
                 Function<List<ConfigOption>, ConfigureReply> judge) {
        this.request = List.copyOf(request);
        this.afterNak = suggested -> this.request;
        this.judge = judge;
        this.automaton = new NegotiationAutomaton("PEER", AutomatonSettings.DEFAULTS, clock, new Layer(), sender);
    }

    /** A peer without MPPE: asks for nothing, rejects everything (pppd with nomppe, or no kernel support). */
    static ScriptedPeer refusingMppe(Clock clock, ControlPacketSender sender) {
        return new ScriptedPeer(clock, sender, List.of(),
                requested -> requested.isEmpty() ? ConfigureReply.ack() : ConfigureReply.reject(requested));
    }

    @Override
    public void start() {
        automaton.up();
        automaton.open();
    }

    @Override
    public void receive(ControlPacket packet) {
        automaton.receive(packet);
    }

    @Override
    public void poll() {
        automaton.poll();
    }

    AutomatonState state() {
        return automaton.state();
    }

    private final class Layer implements ProtocolLayer {
        @Override
        public void resetOptions() {
        }

        @Override
        public List<ConfigOption> configureRequest() {
            return request;
        }

        @Override
        public ConfigureReply judgeConfigureRequest(List<ConfigOption> requested, boolean rejectInsteadOfNak) {
            ConfigureReply reply = judge.apply(requested);
            return rejectInsteadOfNak && reply.code() == ControlPacket.CONFIGURE_NAK
                    ? ConfigureReply.reject(requested) : reply;
        }

        @Override
        public void configureAcked(List<ConfigOption> acked) {
        }

        @Override
        public boolean configureNaked(List<ConfigOption> suggested) {
            naksReceived++;
            request = List.copyOf(afterNak.apply(suggested));
            return true;
        }

        @Override
        public boolean configureRejected(List<ConfigOption> rejected) {
            List<ConfigOption> rest = new ArrayList<>(request);
            rest.removeAll(rejected);
            request = List.copyOf(rest);
            return true;
        }

        @Override
        public void thisLayerUp() {
        }

        @Override
        public void thisLayerDown() {
        }

        @Override
        public void thisLayerStarted() {
        }

        @Override
        public void thisLayerFinished() {
        }

        @Override
        public ExtensionEvent extensionPacket(ControlPacket packet, AutomatonState state) {
            return packet.code() == CcpCode.RESET_REQUEST || packet.code() == CcpCode.RESET_ACK
                    ? ExtensionEvent.CONSUMED : ExtensionEvent.UNKNOWN;
        }
    }
}
