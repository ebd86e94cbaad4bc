package org.homerouter.pptp.ppp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.homerouter.pptp.ManualClock;

/**
 * A generic automaton wired to a toy protocol whose effects are recorded in one ordered log, using
 * the RFC's action abbreviations: sent packets by their code (scr, sca, scn, str, sta, scj, ser),
 * layer callbacks (tlu, tld, tls, tlf), and irc/zrc from the observer since they have no effect
 * outside the counter.
 *
 * <p>The toy protocol has one option, type 1: a request carrying value 1 is acceptable, any other
 * value is Nak'd with 1.
 */
final class AutomatonHarness {
    static final ConfigOption GOOD = new ConfigOption(1, new byte[] {1});
    static final ConfigOption BAD = new ConfigOption(1, new byte[] {2});
    static final int ECHO_REQUEST = 9;
    static final int ECHO_REPLY = 10;

    final ManualClock clock = new ManualClock();
    final List<String> log = new ArrayList<>();
    final List<ControlPacket> sent = new ArrayList<>();
    final List<List<ConfigOption>> nakedWith = new ArrayList<>();
    final List<List<ConfigOption>> rejectedWith = new ArrayList<>();
    final List<Boolean> judgedWithRejectFlag = new ArrayList<>();
    final NegotiationAutomaton automaton;
    /** What our own Configure-Requests carry. */
    List<ConfigOption> ourRequest = List.of(new ConfigOption(1, new byte[] {1}));
    /** Run inside This-Layer-Up, e.g. to raise another event re-entrantly. */
    Runnable onUp = () -> { };

    AutomatonHarness(AutomatonSettings settings) {
        ProtocolLayer layer = new ProtocolLayer() {
            @Override
            public void resetOptions() {
            }

            @Override
            public List<ConfigOption> configureRequest() {
                return ourRequest;
            }

            @Override
            public ConfigureReply judgeConfigureRequest(List<ConfigOption> requested, boolean rejectInsteadOfNak) {
                judgedWithRejectFlag.add(rejectInsteadOfNak);
                if (requested.contains(GOOD)) {
                    return ConfigureReply.ack();
                }
                return rejectInsteadOfNak ? ConfigureReply.reject(requested) : ConfigureReply.nak(List.of(GOOD));
            }

            @Override
            public void configureAcked(List<ConfigOption> acked) {
            }

            @Override
            public boolean configureNaked(List<ConfigOption> suggested) {
                nakedWith.add(suggested);
                return true;
            }

            @Override
            public boolean configureRejected(List<ConfigOption> rejected) {
                rejectedWith.add(rejected);
                return true;
            }

            @Override
            public void thisLayerUp() {
                log.add("tlu");
                onUp.run();
            }

            @Override
            public void thisLayerDown() {
                log.add("tld");
            }

            @Override
            public void thisLayerStarted() {
                log.add("tls");
            }

            @Override
            public void thisLayerFinished() {
                log.add("tlf");
            }

            @Override
            public ExtensionEvent extensionPacket(ControlPacket packet, AutomatonState state) {
                return packet.code() == ECHO_REQUEST ? ExtensionEvent.RXR : ExtensionEvent.UNKNOWN;
            }

            @Override
            public Optional<ControlPacket> echoReply(ControlPacket request) {
                return Optional.of(new ControlPacket(ECHO_REPLY, request.identifier(), request.data()));
            }
        };
        AutomatonObserver observer = new AutomatonObserver() {
            @Override
            public void action(AutomatonAction action) {
                if (action == AutomatonAction.IRC || action == AutomatonAction.ZRC) {
                    log.add(action.rfcName());
                }
            }
        };
        ControlPacketSender sender = packet -> {
            sent.add(packet);
            log.add(switch (packet.code()) {
                case 1 -> "scr";
                case 2 -> "sca";
                case 3, 4 -> "scn";
                case 5 -> "str";
                case 6 -> "sta";
                case 7 -> "scj";
                case ECHO_REPLY -> "ser";
                default -> "sent code " + packet.code();
            });
        };
        automaton = new NegotiationAutomaton("TEST", settings, clock, layer, sender, observer, 0);
    }

    AutomatonHarness() {
        this(AutomatonSettings.DEFAULTS);
    }

    /** The last Configure-Request we sent, if any. */
    ControlPacket lastRequest() {
        for (int i = sent.size() - 1; i >= 0; i--) {
            if (sent.get(i).code() == ControlPacket.CONFIGURE_REQUEST) {
                return sent.get(i);
            }
        }
        return null;
    }

    void peerRequests(int id, ConfigOption... options) {
        automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_REQUEST, id, ConfigOptionCodec.encode(List.of(options))));
    }

    /** The peer acknowledges our last Configure-Request correctly. */
    void peerAcks() {
        ControlPacket request = lastRequest();
        automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_ACK, request.identifier(), request.data()));
    }

    /** The peer Naks our last Configure-Request. */
    void peerNaks(ConfigOption... suggestions) {
        automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, lastRequest().identifier(),
                ConfigOptionCodec.encode(List.of(suggestions))));
    }

    /** The peer Code-Rejects a packet of the given code. */
    void peerCodeRejects(int code) {
        automaton.receive(new ControlPacket(ControlPacket.CODE_REJECT, 0x77, new byte[] {(byte) code, 0x01, 0x00, 0x04}));
    }

    /** Lets the Restart timer run out once. */
    void timeout() {
        clock.advance(automaton.settings().restartTimeout());
        automaton.poll();
    }
}
