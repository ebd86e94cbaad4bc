package org.homerouter.pptp.ppp.ipcp;

import java.net.Inet4Address;
import java.util.List;
import java.util.Optional;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.ppp.ConfigOption;
import org.homerouter.pptp.ppp.ConfigureReply;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.homerouter.pptp.ppp.NegotiatedProtocol;
import org.homerouter.pptp.ppp.NegotiationAutomaton;
import org.homerouter.pptp.ppp.OptionRegistry;
import org.homerouter.pptp.ppp.ProtocolLayer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IP Control Protocol (RFC 1332, protocol 0x8021) with the name server options of RFC 1877.
 * Handles IP-Address and the four name server options; everything else, notably Van Jacobson
 * IP-Compression-Protocol (which a PPTP server has no use for) and the deprecated IP-Addresses, is
 * rejected. IPCP uses only the common codes 1..7 (RFC 1332 §2), so any other code draws a
 * Code-Reject.
 *
 * <p>The owner raises Up when LCP has opened and authentication succeeded (RFC 1661 §3.5), Down
 * when LCP leaves Opened, and calls {@link #poll()} when {@link #deadline()} is due. Not
 * thread-safe.
 */
public final class Ipcp extends NegotiatedProtocol {
    private static final Logger log = LoggerFactory.getLogger(Ipcp.class);

    /** "IPCP", after the session's name where it has one: what its log lines start with. */
    private final String logName;
    private final IpcpListener listener;
    private final OptionRegistry options = new OptionRegistry();
    private final IpAddressOption address;
    private final NameServerOption primaryDns;
    private final NameServerOption secondaryDns;
    private final NameServerOption primaryNbns;
    private final NameServerOption secondaryNbns;
    private IpcpConfiguration configuration;

    /**
     * @param allocator assigns the peer's address (server side), or null to accept the peer's own
     *     (client side)
     */
    public Ipcp(IpcpSettings settings, Clock clock, PeerAddressAllocator allocator, ControlPacketSender sender,
                IpcpListener listener) {
        this("", settings, clock, allocator, sender, listener);
    }

    /**
     * As the other constructor, for one session's link.
     *
     * @param session the session's name that starts IPCP's log lines ("call 4711 (192.0.2.7)"), as
     *     LCP's and CCP's do: with many sessions up, an address or DNS server agreed is no use
     *     without whose it was
     */
    public Ipcp(String session, IpcpSettings settings, Clock clock, PeerAddressAllocator allocator,
                ControlPacketSender sender, IpcpListener listener) {
        super(logName(session));
        this.logName = logName(session);
        this.listener = listener;
        this.address = new IpAddressOption(settings.localAddress(), settings.acceptAssignedAddress(), allocator,
                this::poolExhausted);
        this.primaryDns = new NameServerOption(IpcpOptionType.PRIMARY_DNS, settings.primaryDns(), settings.learnDns());
        this.primaryNbns = new NameServerOption(IpcpOptionType.PRIMARY_NBNS, settings.primaryNbns(), false);
        this.secondaryDns = new NameServerOption(IpcpOptionType.SECONDARY_DNS, settings.secondaryDns(), settings.learnDns());
        this.secondaryNbns = new NameServerOption(IpcpOptionType.SECONDARY_NBNS, settings.secondaryNbns(), false);
        options.register(address).register(primaryDns).register(primaryNbns).register(secondaryDns).register(secondaryNbns);
        attach(new NegotiationAutomaton(logName, settings.automaton(), clock, new Layer(), sender));
    }

    private static String logName(String session) {
        return session.isEmpty() ? "IPCP" : session + ": IPCP";
    }

    /**
     * A client renegotiating the link asks for the address the peer assigned it before (RFC 1332
     * §3.3) instead of 0.0.0.0: call before {@link #open()}. The peer may Nak with another, which
     * is taken as usual. No effect unless the settings accept an assigned address.
     */
    public void askForAddress(Inet4Address previous) {
        address.askFor(previous);
    }

    /** What was agreed, while IPCP is Opened. */
    public Optional<IpcpConfiguration> configuration() {
        return Optional.ofNullable(configuration);
    }

    /**
     * The lower layer is gone. Down leaves Opened (This-Layer-Down only), Req-Sent, Ack-Rcvd and
     * Ack-Sent for Starting without This-Layer-Finished (RFC 1661 §4.1 table), and that is how most
     * links end (LCP Terminate, the call cleared, the echo giving up): an address handed out while
     * judging the peer's Configure-Request would otherwise stay taken. Give it back here, after
     * This-Layer-Down.
     */
    @Override
    public void lowerLayerDown() {
        super.lowerLayerDown();
        address.release();
    }

    private void poolExhausted() {
        // The listener logs it under the session's name: a line here too named no session and said it twice.
        listener.addressPoolExhausted();
        automaton().close();
    }

    /** The IPCP side of the automaton. */
    private final class Layer implements ProtocolLayer {
        @Override
        public void resetOptions() {
            options.reset();
        }

        @Override
        public List<ConfigOption> configureRequest() {
            return options.buildRequest();
        }

        @Override
        public ConfigureReply judgeConfigureRequest(List<ConfigOption> requested, boolean rejectInsteadOfNak) {
            return options.judge(requested, rejectInsteadOfNak);
        }

        @Override
        public void configureAcked(List<ConfigOption> acked) {
            options.acked(acked);
        }

        @Override
        public boolean configureNaked(List<ConfigOption> suggested) {
            return options.naked(suggested);
        }

        @Override
        public boolean configureRejected(List<ConfigOption> rejected) {
            options.rejected(rejected);
            return true;
        }

        @Override
        public void thisLayerUp() {
            configuration = new IpcpConfiguration(address.localAddress(), address.peerAddress(),
                    primaryDns.agreed(), secondaryDns.agreed(), primaryNbns.agreed(), secondaryNbns.agreed());
            log.debug("{} up: {}", logName, configuration);
            listener.ipUp(configuration);
        }

        @Override
        public void thisLayerDown() {
            configuration = null;
            listener.ipDown();
        }

        @Override
        public void thisLayerStarted() {
        }

        @Override
        public void thisLayerFinished() {
            address.release();
            listener.finished();
        }
    }
}
