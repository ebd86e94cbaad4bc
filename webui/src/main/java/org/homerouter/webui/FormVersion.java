package org.homerouter.webui;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeSet;
import org.eclipse.jetty.http.HttpStatus;
import org.homerouter.webui.api.SiteToSite;
import org.homerouter.webui.api.UserAccounts.UserRow;
import org.homerouter.webui.api.VpnSettings;

/**
 * Which stored values an edit form was made from, sent back with it in a hidden field. A form left
 * open in another tab, on another device or by another administrator still shows what was stored
 * when it was opened: saved after a newer change, it put every field back as it was (a user
 * disabled since enabled again, PAP allowed again, the site-to-site default route off again), and
 * its log line named a change nobody made. Such a save is refused, and the page shows what is
 * stored now.
 *
 * <p>A hash of the values the form shows rather than a change counter: nothing more is stored, and
 * a form made from values that are stored again (changed and changed back) holds nothing stale.
 */
final class FormVersion {
    static final String FIELD = "version";
    static final String CHANGED_ELSEWHERE = "These settings were changed elsewhere (another browser tab or "
            + "administrator) after this page was opened: nothing was saved. The page now shows the current "
            + "settings; make your change again.";

    private FormVersion() {
    }

    static String vpn(VpnSettings s) {
        // The page's own fields, and the methods in one order: the same settings read twice are the same version.
        return of(VpnForm.values(s), new TreeSet<>(s.authMethods()));
    }

    /** The account form of the user's page: enabled and static address. */
    static String user(UserRow u) {
        return user(u.name(), u.enabled(), u.staticAddress());
    }

    static String user(String name, boolean enabled, String staticAddress) {
        return of(name, enabled, staticAddress);
    }

    /**
     * The branch-office form of the user's page: the networks routed into the account's tunnel, as
     * stored (comma-separated, no spaces). Its password form holds nothing shown, so no version.
     */
    static String routedSubnets(String name, String subnets) {
        return of(name, subnets);
    }

    static String siteToSite(SiteToSite.Settings s) {
        return of(s.enabled(), s.server(), s.user(), s.mppe(), s.subnets(), s.defaultRoute(), s.passwordSet());
    }

    static String passthrough(boolean enabled, String inboundServer) {
        return of(enabled, inboundServer);
    }

    static String lan(String address) {
        return of(address);
    }

    static String https(boolean enabled, int port) {
        return of(enabled, port);
    }

    private static String of(Object... shown) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java has it
        }
        for (Object o : shown) {
            byte[] b = String.valueOf(o).getBytes(StandardCharsets.UTF_8);
            // Each value's length first: ("a,", "b") and ("a", ",b") are different forms.
            sha.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
            sha.update(b);
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 16);
    }

    /**
     * Whether the form was made from other values than {@code current}. A post without the field is
     * not refused: every form these pages serve carries it (and sessions do not outlive a restart, so
     * no page of an older version can post), while scripts and the tests post whole forms on purpose,
     * each field as they want it stored.
     */
    private static boolean stale(Form form, String current) {
        String shown = form.get(FIELD);
        return !shown.isEmpty() && !shown.equals(current);
    }

    /**
     * Whether the form was made from other values than {@code current} and would store other values
     * than those: {@code sent} is the version of what it sends, read as its save reads it (null when
     * it cannot be read). A double-click on Save, or a save sent again (a reload that resends it, a
     * retry after a dropped connection), carries the version of the values its first send replaced:
     * refused, it said "nothing was saved" of a save that was made. A form that sends what is stored
     * now puts back nothing anyone changed, whatever it was made from, so it is saved as any other.
     */
    static boolean stale(Form form, String current, String sent) {
        return stale(form, current) && !current.equals(sent);
    }

    /**
     * For a page that shows a posted form again (refused, or asking first): the version that form was
     * made from, so that its next save is checked against the same stored values as this one was.
     */
    static String shown(Form posted, String current) {
        String shown = posted == null ? "" : posted.get(FIELD);
        return shown.isEmpty() ? current : shown;
    }

    /** The answer to a stale form: {@code current} (the page as it is now, with its current version), with 409 and why. */
    static Reply conflict(Reply current) {
        if (!(current instanceof Reply.Page p)) {
            return current; // no such page now (the user was deleted): its own notice says so
        }
        p.model().put("flash", CHANGED_ELSEWHERE);
        p.model().put("flashWarning", true);
        p.model().put("notSaved", true); // the title says so: the page's fields are no longer the owner's edits
        return new Reply.Page(HttpStatus.CONFLICT_409, p.template(), p.model());
    }
}
