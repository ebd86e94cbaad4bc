package org.homerouter.pptp.ppp;

import java.util.Arrays;
import java.util.List;

/**
 * One legal cell of the RFC 1661 §4.1 state transition table: the actions to take, in order, and
 * the state that follows, with the cell's footnote letters.
 *
 * @param actions actions in the order the table lists them
 * @param next the new state
 * @param footnotes footnote letters after the state: "p" passive option, "r" restart option,
 *     "x" crossed connection; empty if none
 */
public record Transition(List<AutomatonAction> actions, AutomatonState next, String footnotes) {
    public Transition {
        actions = List.copyOf(actions);
    }

    /** Parses a non-dash cell as the RFC writes it, e.g. "irc,scr/6", "tlf/3p" or "2". */
    public static Transition parse(String cell) {
        String text = cell.strip();
        int slash = text.indexOf('/');
        String actionText = slash < 0 ? "" : text.substring(0, slash);
        String stateText = slash < 0 ? text : text.substring(slash + 1);
        int digits = 0;
        while (digits < stateText.length() && Character.isDigit(stateText.charAt(digits))) {
            digits++;
        }
        if (digits == 0) {
            throw new IllegalArgumentException("cell without a state: " + cell);
        }
        AutomatonState next = AutomatonState.ofNumber(Integer.parseInt(stateText.substring(0, digits)));
        List<AutomatonAction> actions = actionText.isEmpty()
                ? List.of()
                : Arrays.stream(actionText.split(",")).map(String::strip).map(AutomatonAction::ofRfcName).toList();
        return new Transition(actions, next, stateText.substring(digits));
    }

    /** Footnote p: the action may be skipped under the passive option (RFC 1661 §4.2, Stopped). */
    public boolean passiveFootnote() {
        return footnotes.indexOf('p') >= 0;
    }

    /** Footnote r: the restart option applies (RFC 1661 §4.3, Open event). */
    public boolean restartFootnote() {
        return footnotes.indexOf('r') >= 0;
    }
}
