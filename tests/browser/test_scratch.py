import time
from tests.browser.driver import *

def test_dom(page, fake):
    select(page, "Model", "writer:1b")
    print(sidebar(page).get_by_test_id("stSelectbox").filter(has_text="Model").inner_text())
    for msg in ("tell", "again", "more"):
        fake.reset()
        type_message(page, msg)
        t0 = time.time()
        prev = None
        while time.time() - t0 < 30:
            st = page.get_by_test_id("stApp").get_attribute("data-test-script-state")
            txt = assistant_messages(page).last.inner_text()[-60:].replace("\n"," | ") if assistant_messages(page).count() else ""
            if (st, txt) != prev:
                print(round(time.time()-t0,2), st, txt, [round(r.arrived - fake.requests[0].arrived + 0, 2) for r in fake.requests] if fake.requests else "")
                prev = (st, txt)
            if st == "notRunning" and time.time()-t0 > 1 and "tok/s" in txt: break
            page.wait_for_timeout(50)
