package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Users pages as an owner reads them: a name taken said with the name that exists (not the
 * capitals typed) and what to do instead, and the password's length said on the Change password
 * form as on the Add form.
 */
class UsersPageWordsTest {
    @RegisterExtension
    final UiUnderTest ui = new UiUnderTest();

    /** The admin's browser, with the VPN user alice added on the Users page. */
    private Browser adminWithAlice() throws Exception {
        Browser b = ui.admin();
        b.get("/users"); // the form's token
        assertEquals(303, b.post("/users/add", "name", "alice", "password", "long enough pw", "password_again",
                "long enough pw", "enabled", "on").statusCode());
        return b;
    }

    @Test
    void aTakenNameSaysWhichExistsAndWhatToDo() throws Exception {
        Browser b = adminWithAlice();
        HttpResponse<String> capitals = b.post("/users/add", "name", "ALICE", "password", "long enough pw",
                "password_again", "long enough pw");
        assertEquals(400, capitals.statusCode());
        assertTrue(capitals.body().contains("<span class=\"error\" id=\"name-error\">alice already exists (names ignore"
                + " capitals): choose another name, or change alice&#39;s password on its Edit page.</span>"), capitals.body());
        HttpResponse<String> same = b.post("/users/add", "name", "alice", "password", "long enough pw",
                "password_again", "long enough pw");
        assertTrue(same.body().contains("id=\"name-error\">alice already exists: choose another name, or change"
                + " alice&#39;s password on its Edit page.</span>"), same.body());
    }

    @Test
    void theChangePasswordFormSaysHowLongAPasswordIs() throws Exception {
        Browser b = adminWithAlice();
        String edit = b.get("/users/edit?name=alice").body();
        int form = edit.indexOf("<h2>Change password</h2>");
        int hint = edit.indexOf("<span class=\"hint\" id=\"password-hint\">8 to 256 characters;");
        assertTrue(form > 0 && hint > form, edit);
        assertTrue(edit.contains("<input id=\"password\" name=\"password\" type=\"password\" size=\"20\""
                + " autocomplete=\"new-password\" aria-describedby=\"password-hint\">"), edit);
    }
}
