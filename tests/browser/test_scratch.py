import time
from tests.browser.driver import *

def test_dom(page, fake):
    box = sidebar(page).get_by_test_id("stSelectbox").filter(has_text="Model")
    box.locator("input").click()
    box.locator("input").fill("writer:1b")
    page.wait_for_timeout(500)
    print([o.inner_text() for o in page.get_by_role("option").all()])
    page.get_by_role("option", name="writer:1b", exact=False).first.click()
    wait_idle(page)
    print(box.inner_text())
    type_message(page, "tell")
    t0 = time.time()
    for i in range(40):
        print(round(time.time()-t0,1), page.get_by_test_id("stApp").get_attribute("data-test-script-state"), page.get_by_test_id("stMainBlockContainer").inner_text()[-80:].replace("\n"," | "))
        page.wait_for_timeout(250)
