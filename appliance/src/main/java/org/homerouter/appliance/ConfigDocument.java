package org.homerouter.appliance;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.homerouter.pptp.session.AddressPool;
import org.homerouter.webui.api.Ipv4;

/**
 * The configuration as a JSON document, for backup and moving to another router (System page and
 * {@code config export|import}). Holds settings and users with their hashes; never the admin
 * password, the metrics token or the key of the known-device cookies. An import is checked whole
 * before anything is written, and then written in one transaction.
 */
final class ConfigDocument {
    static final String FORMAT = "homerouter-config";
    /**
     * Counts incompatible changes only: a key whose meaning or format changed, which an older
     * firmware would read otherwise than written. A new setting or account field is no such change
     * and keeps the version: a document without it restores with its default, and an older firmware
     * refuses one holding it by name, saying which firmware made it (its {@code "firmware"}) and to
     * update first. Raising the version for a new setting would make every older firmware refuse
     * every newer backup, even one whose new settings it could do without.
     */
    static final int VERSION = 1;
    /** The document's top-level keys, as {@link #export} writes them (and has, since the first). */
    private static final Set<String> SECTIONS = Set.of("format", "version", "firmware", "settings", "users");
    /** A firmware version as the document may name it: shown in a message, so nothing else. */
    private static final Pattern FIRMWARE = Pattern.compile("[A-Za-z0-9._+~-]{1,64}");
    /** Not part of a portable configuration: secrets of this router's own admin side. */
    private static final Set<Setting> LOCAL = EnumSet.of(Setting.METRICS_TOKEN, Setting.UI_KNOWN_DEVICE_KEY,
            Setting.ADMIN_RESET_APPLIED);
    private static final Set<Setting> ADDRESSES = EnumSet.of(Setting.PPTP_LISTEN_ADDRESS, Setting.PPTP_LOCAL_ADDRESS,
            Setting.PPTP_POOL_START, Setting.PPTP_POOL_END, Setting.UI_LISTEN_ADDRESS);
    private static final Set<Setting> OPTIONAL_ADDRESSES = EnumSet.of(Setting.PPTP_DNS_PRIMARY,
            Setting.PPTP_DNS_SECONDARY, Setting.PPTP_WINS_PRIMARY, Setting.PPTP_WINS_SECONDARY,
            Setting.PASSTHROUGH_INBOUND_SERVER);
    private static final Set<Setting> BOOLEANS = EnumSet.of(Setting.PPTP_ENABLED, Setting.PASSTHROUGH_ENABLED, Setting.UI_HTTPS,
            Setting.DIALOUT_ENABLED, Setting.DIALOUT_DEFAULT_ROUTE);
    private static final Set<Setting> PORTS = EnumSet.of(Setting.PPTP_PORT, Setting.UI_PORT, Setting.UI_HTTPS_PORT);
    /** Limits the server cannot start with at 0 (it would refuse every connection or login). */
    private static final Set<Setting> AT_LEAST_ONE = EnumSet.of(Setting.PPTP_MAX_CONTROL_CONNECTIONS,
            Setting.PPTP_MAX_LOGGING_IN, Setting.PPTP_MAX_SESSIONS_PER_USER);
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9-]{1,63}");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    /**
     * The longest CHAP-MD5 secret the pages and the command line store: a password of at most
     * {@link NtPasswordHash#MAX_PASSWORD_CHARS} UTF-16 units, as UTF-8 ({@link StoreUserAccounts#chapSecret}),
     * which is at most 3 bytes a unit (a surrogate pair is 2 units and 4 bytes).
     */
    static final int MAX_CHAP_SECRET_BYTES = 3 * NtPasswordHash.MAX_PASSWORD_CHARS;
    /** The fields of an account in the document (see {@link #export}). */
    private static final Set<Object> USER_KEYS = Set.of("name", "nt_hash", "octet_wise_nt_hash", "chap_secret",
            "routed_subnets", "enabled", "static_address");

    private ConfigDocument() {
    }

    static String export(ApplianceStore store) throws SQLException {
        return store.consistently(() -> exportNow(store));
    }

    private static String exportNow(ApplianceStore store) throws SQLException {
        StringBuilder b = new StringBuilder("{\n  \"format\": \"" + FORMAT + "\",\n  \"version\": " + VERSION
                + ",\n  \"firmware\": " + Json.quote(Version.current()) + ",\n  \"settings\": {");
        String sep = "\n";
        for (Map.Entry<Setting, String> e : store.settings().entrySet()) {
            if (LOCAL.contains(e.getKey()) || e.getKey() == Setting.LAN_ADDRESS
                    && e.getValue().equals(Setting.LAN_ADDRESS.defaultValue())) {
                // The LAN only once moved from the factory's: an older firmware (no LAN page) then
                // still imports the backup, and no import puts back a LAN it does not name (parse).
                continue;
            }
            b.append(sep).append("    ").append(Json.quote(e.getKey().key())).append(": ").append(Json.quote(e.getValue()));
            sep = ",\n";
        }
        b.append("\n  },\n  \"users\": [");
        // A CHAP secret is the password itself: exported only while CHAP-MD5, which needs it, is allowed.
        boolean chapAllowed = chapMd5Allowed(store.settings());
        Map<String, String> routed = store.allRoutedSubnets();
        sep = "\n";
        HexFormat hex = HexFormat.of();
        for (VpnUser u : store.users()) {
            b.append(sep).append("    {\"name\": ").append(Json.quote(u.name()))
                    .append(", \"nt_hash\": ").append(Json.quote(hex.formatHex(u.ntHash())))
                    // Only where there is one (a password beyond ASCII): an older firmware refuses the key
                    // by name, so a backup of plain-ASCII accounts still restores there.
                    .append(u.octetWiseNtHash().map(h -> ", \"octet_wise_nt_hash\": " + Json.quote(hex.formatHex(h)))
                            .orElse(""))
                    .append(", \"chap_secret\": ").append(u.chapSecret().filter(s -> chapAllowed)
                            .map(s -> Json.quote(hex.formatHex(s))).orElse("null"))
                    .append(", \"enabled\": ").append(u.enabled())
                    .append(", \"static_address\": ").append(Json.quote(u.staticAddress().orElse(null)))
                    .append(", \"routed_subnets\": ").append(Json.quote(routed.getOrDefault(u.name(), ""))).append('}');
            sep = ",\n";
        }
        return b.append("\n  ]\n}\n").toString();
    }

    /** Checked settings and users of a document; settings it lacks keep their defaults. */
    record Parsed(Map<Setting, String> settings, List<VpnUser> users, Map<String, String> routedSubnets) {
    }

    /** As {@link #parse(String, List)} against this machine's LANs. */
    static Parsed parse(String json) {
        return parse(json, ApplianceLan.withSides(ApplianceVpnConfig.localNetworks(), ApplianceLan.onImage()));
    }

    /** As {@link #parse(String, List, String)} by this firmware. */
    static Parsed parse(String json, List<org.homerouter.webui.api.Subnet> lans) {
        return parse(json, lans, Version.current());
    }

    /**
     * @param lans the router's LANs, which the VPN settings must not overlap (as on the VPN page)
     * @param running the firmware version that reads it, for the message on a newer firmware's document
     * @throws IllegalArgumentException saying what is wrong, before anything is stored
     */
    static Parsed parse(String json, List<org.homerouter.webui.api.Subnet> lans, String running) {
        if (!(Json.parse(json) instanceof Map<?, ?> doc)) {
            throw new IllegalArgumentException("the document is not a JSON object");
        }
        if (!FORMAT.equals(doc.get("format"))) {
            throw new IllegalArgumentException("not a HomeRouter configuration (\"format\" is not \"" + FORMAT + "\")");
        }
        // Absent from documents of firmware before it named itself, or edited by hand: then unknown.
        String madeBy = doc.get("firmware") instanceof String f && FIRMWARE.matcher(f).matches() ? f : null;
        if (!(doc.get("version") instanceof Double v) || v != VERSION) {
            String shown = doc.get("version") instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e9
                    ? Long.toString(d.longValue()) : String.valueOf(doc.get("version"));
            if (doc.get("version") instanceof Double d && d > VERSION) {
                throw new IllegalArgumentException("this configuration was made by newer firmware"
                        + (madeBy == null ? "" : " (" + madeBy + ")") + ", in configuration version " + shown
                        + ", which this router's firmware (" + running + ", version " + VERSION + ") cannot read:"
                        + " update this router's firmware first, then import it again");
            }
            throw new IllegalArgumentException("unsupported configuration version " + shown);
        }
        try {
            return parse(doc, lans, running, madeBy);
        } catch (IllegalArgumentException e) {
            // A newer firmware's document holds what that firmware allows (a new choice of an existing
            // setting, a higher limit): refused here as invalid, with nothing said of updating.
            // Said for certain of what this firmware does not know; else as a maybe: the refusal may be
            // about this router (a tunnel network on its LAN), which no update changes.
            if (madeBy != null && newer(madeBy, running)) {
                throw new IllegalArgumentException("this configuration was made by newer firmware (" + madeBy
                        + ") than this router's (" + running + "): " + (e instanceof UnknownToThisFirmware
                        ? "update this router's firmware first, then import it again; "
                        : "if what is refused here is new in that firmware, update this router's firmware first, then"
                        + " import it again; ") + e.getMessage(), e);
            }
            throw e;
        }
    }

    private static Parsed parse(Map<?, ?> doc, List<org.homerouter.webui.api.Subnet> lans, String running,
                                String madeBy) {
        // A section this firmware does not know (a newer one's, say its port forwards, which its
        // VERSION rule lets it add) was dropped without a word, and the import said "applied".
        List<String> sections = doc.keySet().stream().map(String::valueOf).filter(k -> !SECTIONS.contains(k)).sorted()
                .toList();
        if (!sections.isEmpty()) {
            throw unknownToThisFirmware("unknown section" + (sections.size() == 1 ? " " : "s ") + String.join(", ", sections),
                    madeBy, running);
        }
        Map<Setting, String> settings = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            // Not the LAN: a document that does not name it (a backup older than the LAN page, or of
            // a router on the factory's) leaves this router's as it is. A router moved off the
            // network of the box in front of it went back onto it at the next restart otherwise.
            if (!LOCAL.contains(s) && s != Setting.LAN_ADDRESS) {
                settings.put(s, s.defaultValue());
            }
        }
        if (!(doc.get("settings") instanceof Map<?, ?> given)) {
            throw new IllegalArgumentException("\"settings\" missing");
        }
        List<String> unknown = given.keySet().stream().map(String::valueOf).filter(k -> byKey(k).isEmpty()).toList();
        if (!unknown.isEmpty()) {
            throw unknownToThisFirmware("unknown setting" + (unknown.size() == 1 ? " " : "s ") + String.join(", ", unknown),
                    madeBy, running);
        }
        for (Map.Entry<?, ?> e : given.entrySet()) {
            Setting s = byKey(String.valueOf(e.getKey())).orElseThrow();
            if (!(e.getValue() instanceof String value)) {
                throw new IllegalArgumentException("setting " + e.getKey() + " must be a string");
            }
            check(s, value);
            settings.put(s, value);
        }
        try {
            PptpService.serverSettings(settings);
            new AddressPool((java.net.Inet4Address) java.net.InetAddress.getByName(settings.get(Setting.PPTP_POOL_START)),
                    (java.net.Inet4Address) java.net.InetAddress.getByName(settings.get(Setting.PPTP_POOL_END)));
        } catch (Exception e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        List<String> problems = org.homerouter.webui.VpnSettingsCheck.problems(VpnSettingsMapping.from(settings), lans);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the VPN settings would be refused on the VPN server page: "
                    + String.join("; ", problems));
        }
        // An inbound forward beside a server open to outside is not refused here, although the pages
        // refuse it: a backup from before they did holds the pair (the server is on by default), and
        // must restore. The dashboard names the pair until the owner resolves it.
        List<VpnUser> users = new ArrayList<>();
        if (!(doc.get("users") instanceof List<?> list)) {
            throw new IllegalArgumentException("\"users\" missing");
        }
        Map<String, String> names = new java.util.HashMap<>(); // lower case to as written
        Map<String, String> routed = new java.util.TreeMap<>();
        boolean chapAllowed = chapMd5Allowed(settings);
        HexFormat hex = HexFormat.of();
        Map<String, List<org.homerouter.webui.api.Subnet>> routedLists = new java.util.LinkedHashMap<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> u) || !(u.get("name") instanceof String name) || !USER.matcher(name).matches()) {
                throw new IllegalArgumentException("a user without a valid name (1 to 64 of A-Z a-z 0-9 . _ @ -)");
            }
            for (Object key : u.keySet()) {
                // A misspelt key ("enable") would otherwise be dropped without a word, and its account
                // come back as the defaults have it.
                if (!USER_KEYS.contains(key)) {
                    throw unknownToThisFirmware("user " + name + ": unknown field \"" + key + "\"", madeBy, running);
                }
            }
            // One name in any case, as the store takes it (ApplianceStore.addUser); a database from
            // before it did may hold both, and its backup says which two to make one.
            String before = names.putIfAbsent(name.toLowerCase(java.util.Locale.ROOT), name);
            if (before != null) {
                throw new IllegalArgumentException("user " + name + " appears twice"
                        + (before.equals(name) ? "" : " (also as " + before + ": names differing only in case are one"
                        + " name: remove one of the two from the file, or delete it on its router and export again)"));
            }
            if (!(u.get("nt_hash") instanceof String nt) || !nt.matches("[0-9a-fA-F]{32}")) {
                throw new IllegalArgumentException("user " + name + ": nt_hash must be 32 hex digits");
            }
            // What pppd-based clients prove for a password beyond ASCII (NtPasswordHash.octetWiseOf);
            // absent from older exports, whose such accounts then work from Windows only, as there.
            Optional<byte[]> octetWise = Optional.empty();
            Object ow = u.get("octet_wise_nt_hash");
            if (ow != null) {
                if (!(ow instanceof String owHex) || !owHex.matches("[0-9a-fA-F]{32}")) {
                    throw new IllegalArgumentException("user " + name + ": octet_wise_nt_hash must be 32 hex digits");
                }
                octetWise = Optional.of(hex.parseHex(owHex));
            }
            Optional<byte[]> chap = Optional.empty();
            if (u.get("chap_secret") instanceof String c) {
                // A character class, not a repeated group: a long string must not recurse the matcher.
                if (!c.matches("[0-9a-fA-F]+") || c.length() % 2 != 0) {
                    throw new IllegalArgumentException("user " + name + ": chap_secret must be hex digits, two a byte");
                }
                if (c.length() / 2 > MAX_CHAP_SECRET_BYTES) {
                    throw new IllegalArgumentException("user " + name + ": chap_secret has " + c.length() / 2
                            + " bytes, more than the " + MAX_CHAP_SECRET_BYTES + " of the longest password ("
                            + NtPasswordHash.MAX_PASSWORD_CHARS + " characters)");
                }
                // A CHAP secret is the password itself: kept only where CHAP-MD5, which needs it, is
                // allowed (as the VPN page deletes them when it is switched off).
                if (chapAllowed) {
                    chap = Optional.of(hex.parseHex(c));
                }
            }
            if (u.get("routed_subnets") instanceof String r && !r.isBlank()) {
                // Overlaps with this router's own LANs are the importing router's to judge at its next
                // start; the list itself must parse, and not overlap another account's.
                List<org.homerouter.webui.api.Subnet> parsed;
                try {
                    parsed = org.homerouter.webui.api.RoutedSubnets.parse(r, name);
                    for (var other : routedLists.entrySet()) {
                        org.homerouter.webui.api.RoutedSubnets.checkApart(parsed, other.getValue(),
                                " of user " + other.getKey());
                    }
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("user " + name + ": routed_subnets: " + e.getMessage());
                }
                routedLists.put(name, parsed);
                routed.put(name, org.homerouter.webui.api.RoutedSubnets.format(parsed));
            }
            Object enabledField = u.containsKey("enabled") ? u.get("enabled") : Boolean.TRUE;
            if (!(enabledField instanceof Boolean enabled)) {
                // "false" (a string) or 0 would otherwise bring a disabled account back enabled.
                throw new IllegalArgumentException("user " + name + ": enabled must be true or false, not "
                        + enabledField);
            }
            Optional<String> fixed = Optional.empty();
            if (u.get("static_address") instanceof String a && !a.isEmpty()) {
                if (!Ipv4.valid(a)) {
                    throw new IllegalArgumentException("user " + name + ": static_address is not an IPv4 address");
                }
                fixed = Optional.of(a);
            }
            users.add(new VpnUser(name, hex.parseHex(nt), chap, enabled, fixed, octetWise));
        }
        return new Parsed(settings, users, routed);
    }

    private static boolean chapMd5Allowed(Map<Setting, String> settings) {
        return List.of(settings.getOrDefault(Setting.PPTP_AUTH_METHODS, "").split(",")).contains("chap-md5");
    }

    private static Optional<Setting> byKey(String key) {
        for (Setting s : Setting.values()) {
            if (s.key().equals(key) && !LOCAL.contains(s)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /**
     * A key this firmware does not know: as often as not, the document was made by newer firmware,
     * which added it (see {@link #VERSION}); said first where the document says so, else offered
     * beside a misspelling.
     */
    private static IllegalArgumentException unknownToThisFirmware(String unknown, String madeBy, String running) {
        if (madeBy != null && newer(madeBy, running)) {
            return new UnknownToThisFirmware(unknown); // parse says first that it was made by newer firmware
        }
        return new UnknownToThisFirmware(unknown + ": misspelt, or made by newer firmware than this router's ("
                + running + "): then update this router's firmware first");
    }

    /** A key, field or section this firmware does not know: of a newer firmware's document, certainly its. */
    private static final class UnknownToThisFirmware extends IllegalArgumentException {
        UnknownToThisFirmware(String message) {
            super(message);
        }
    }

    /**
     * Whether firmware version {@code a} is newer than {@code b} by their leading numbers (1.10 after
     * 1.9), then by the image's build time after a "+" ("0.1.0+202612061015.17e9b6f", as
     * homerouter-update orders them: every build of a release has the same numbers); false where
     * either has none ("dev").
     */
    static boolean newer(String a, String b) {
        List<Long> x = numbers(a);
        List<Long> y = numbers(b);
        if (x.isEmpty() || y.isEmpty()) {
            return false;
        }
        for (int i = 0; i < Math.max(x.size(), y.size()); i++) {
            long p = i < x.size() ? x.get(i) : 0;
            long q = i < y.size() ? y.get(i) : 0;
            if (p != q) {
                return p > q;
            }
        }
        return false;
    }

    private static final Pattern RELEASE_AND_BUILD = Pattern.compile("^(\\d{1,9}(?:\\.\\d{1,9})*)(?:\\+(\\d{1,14}))?");

    private static List<Long> numbers(String version) {
        java.util.regex.Matcher m = RELEASE_AND_BUILD.matcher(version);
        if (!m.find()) {
            return List.of();
        }
        List<Long> n = new ArrayList<>(java.util.Arrays.stream(m.group(1).split("\\.")).map(Long::valueOf).toList());
        if (m.group(2) != null) {
            // After the release's numbers, which a version without a build time pads with zeros.
            while (n.size() < 3) {
                n.add(0L);
            }
            n.add(Long.valueOf(m.group(2)));
        }
        return n;
    }

    private static void check(Setting s, String v) {
        boolean ok;
        if (ADDRESSES.contains(s)) {
            ok = Ipv4.valid(v);
        } else if (OPTIONAL_ADDRESSES.contains(s)) {
            ok = v.isEmpty() || Ipv4.valid(v);
        } else if (BOOLEANS.contains(s)) {
            ok = v.equals("true") || v.equals("false");
        } else if (PORTS.contains(s)) {
            ok = v.matches("\\d{1,5}") && Integer.parseInt(v) >= 1 && Integer.parseInt(v) <= 65535;
        } else if (s == Setting.HOST_NAME) {
            ok = HOST.matcher(v).matches();
        } else if (s == Setting.LAN_ADDRESS) {
            ok = org.homerouter.webui.api.LanSettings.formProblem(v).isEmpty();
        } else if (s == Setting.PPTP_AUTH_METHODS) {
            ok = v.matches("(mschapv2|chap-md5|pap)(,(mschapv2|chap-md5|pap))*");
        } else if (s == Setting.PPTP_MPPE || s == Setting.DIALOUT_MPPE) {
            ok = v.matches("require-128|require-128-stateful|require-any|optional|none");
        } else if (s == Setting.DIALOUT_SERVER) {
            ok = v.isEmpty() || org.homerouter.webui.api.SiteToSite.validServer(v);
        } else if (s == Setting.DIALOUT_USER) {
            ok = v.isEmpty() || org.homerouter.webui.api.SiteToSite.REMOTE_USER.matcher(v).matches();
        } else if (s == Setting.DIALOUT_NT_HASH) {
            ok = v.matches("([0-9a-fA-F]{32})?");
        } else if (s == Setting.DIALOUT_SUBNETS) {
            try {
                org.homerouter.webui.api.RoutedSubnets.parse(v, "routed");
                ok = true;
            } catch (IllegalArgumentException e) {
                ok = false;
            }
        } else if (AT_LEAST_ONE.contains(s)) {
            ok = v.matches("\\d{1,6}") && Integer.parseInt(v) >= 1;
        } else {
            // The remaining settings are counts and minutes.
            ok = v.matches("\\d{1,6}");
        }
        if (!ok) {
            throw new IllegalArgumentException("setting " + s.key() + " has an invalid value \"" + v + "\"");
        }
    }
}
