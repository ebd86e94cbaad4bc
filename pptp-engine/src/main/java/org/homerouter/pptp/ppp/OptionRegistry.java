package org.homerouter.pptp.ppp;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The option handlers of one control protocol instance, looked up by type, and the list-level
 * rules of RFC 1661 §5 that apply to any protocol: unknown types are rejected, any reject wins over
 * Naks, rejected options are returned unchanged and in order. Our Configure-Request lists options
 * in registration order.
 */
public final class OptionRegistry {
    private final Map<Integer, OptionHandler> handlers = new LinkedHashMap<>();

    /** Adds a handler; each type may have only one. */
    public OptionRegistry register(OptionHandler handler) {
        if (handlers.putIfAbsent(handler.type(), handler) != null) {
            throw new IllegalArgumentException("a handler for option type " + handler.type() + " is already registered");
        }
        return this;
    }

    /** The handler for a type, if one is registered. */
    public Optional<OptionHandler> handler(int type) {
        return Optional.ofNullable(handlers.get(type));
    }

    /** Resets every handler for a fresh negotiation. */
    public void reset() {
        handlers.values().forEach(OptionHandler::reset);
    }

    /** The options of our next Configure-Request. */
    public List<ConfigOption> buildRequest() {
        List<ConfigOption> options = new ArrayList<>();
        for (OptionHandler h : handlers.values()) {
            byte[] value = h.requestValue();
            if (value != null) {
                options.add(new ConfigOption(h.type(), value));
            }
        }
        return options;
    }

    /**
     * Judges a peer's Configure-Request option by option (RFC 1661 §5.2-5.4). An option of unknown
     * type or malformed size is rejected; if anything is rejected the reply is a Configure-Reject
     * of exactly those options, since a Nak is only for a request whose every option is recognised
     * (§5.3). With {@code rejectInsteadOfNak} (Max-Failure reached, §4.6) what would be Nak'd is
     * rejected. An option the peer left out may be Nak'd too, if its handler wants it
     * ({@link OptionHandler#nakWhenMissing}).
     */
    public ConfigureReply judge(List<ConfigOption> requested, boolean rejectInsteadOfNak) {
        handlers.values().forEach(OptionHandler::peerRequestStarts);
        List<ConfigOption> rejects = new ArrayList<>();
        List<ConfigOption> naks = new ArrayList<>();
        Set<Integer> present = new HashSet<>();
        for (ConfigOption option : requested) {
            present.add(option.type());
            OptionHandler h = handlers.get(option.type());
            if (h == null || !h.wellFormed(option.data())) {
                rejects.add(option);
                continue;
            }
            OptionVerdict verdict = h.judge(option.data());
            switch (verdict.kind()) {
                case ACK -> {
                }
                case NAK -> {
                    if (rejectInsteadOfNak) {
                        rejects.add(option);
                    } else {
                        naks.add(new ConfigOption(option.type(), verdict.nakValue()));
                    }
                }
                case REJECT -> rejects.add(option);
            }
        }
        if (!rejects.isEmpty()) {
            return ConfigureReply.reject(rejects);
        }
        for (OptionHandler h : handlers.values()) {
            byte[] wanted = present.contains(h.type()) ? null : h.nakWhenMissing(!rejectInsteadOfNak);
            if (wanted != null && !rejectInsteadOfNak) {
                naks.add(new ConfigOption(h.type(), wanted));
            }
        }
        if (!naks.isEmpty()) {
            return ConfigureReply.nak(naks);
        }
        return ConfigureReply.ack();
    }

    /** The peer acknowledged our request carrying these options. */
    public void acked(List<ConfigOption> options) {
        for (ConfigOption option : options) {
            OptionHandler h = handlers.get(option.type());
            if (h != null) {
                h.acked(option.data());
            }
        }
    }

    /**
     * Applies a Configure-Nak. Options of types we do not handle are ignored: the peer may append
     * options it would like us to request (§5.3), and we need not. A malformed value for a type we
     * handle makes the Nak invalid; then nothing is applied and the result is false.
     */
    public boolean naked(List<ConfigOption> suggestions) {
        for (ConfigOption option : suggestions) {
            OptionHandler h = handlers.get(option.type());
            if (h != null && !h.wellFormed(option.data())) {
                return false;
            }
        }
        for (ConfigOption option : suggestions) {
            OptionHandler h = handlers.get(option.type());
            if (h != null) {
                h.naked(option.data());
            }
        }
        return true;
    }

    /** Applies a Configure-Reject of options we requested. */
    public void rejected(List<ConfigOption> options) {
        for (ConfigOption option : options) {
            OptionHandler h = handlers.get(option.type());
            if (h != null) {
                h.rejected();
            }
        }
    }
}
