from tests.browser.driver import *

def test_dom(page, fake):
    fake.token_delay = 0.3
    type_message(page, "hello")
    page.wait_for_selector("text=Thinking…", timeout=20000)
    page.wait_for_timeout(800)
    open("/tmp/smoke/during.html","w").write(page.content())
    page.screenshot(path="/tmp/smoke/during.png")
    wait_reply(page, 1)
    open("/tmp/smoke/after.html","w").write(page.content())
    print(sidebar(page).inner_html()[:100])
    open("/tmp/smoke/sidebar.html","w").write(sidebar(page).inner_html())
