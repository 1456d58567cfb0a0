"""The held-out dialogues: labelled before they were first scored; run to regenerate the files."""
import pathlib
HERE = pathlib.Path(__file__).resolve().parent
src = (HERE.parent / "make_dialogues.py").read_text("utf-8")
src_full = src
src = src.split("# -- 1-10")[0]  # header: ITEMS, d(), OPEN
ns = {"__file__": str(HERE / "x.py")}
exec(src, ns)
d, D, ITEMS, OPEN = ns["d"], ns["D"], ns["ITEMS"], ns["OPEN"]
ns["OUT"] = HERE
NA_PRO = {"proactive.reassure": "na"}
d("h01", "good renewal call with a recommendation", [
  ("A", "您好，欢迎致电安心保险，工号2031，请问有什么可以帮您？"), ("C", "我的车险下个月到期，想续保。"),
  ("A", "好的，请您告诉我保单号和车主姓名。"), ("C", "保单号60601234，车主叫林涛。"),
  ("A", "林先生，感谢您，您的保单下个月八号到期，现在可以直接在电话里帮您办理续保。"),
  ("A", "另外推荐您加一份划痕险，今年有优惠，保费只多一百多元。"), ("C", "划痕险就不用了，续保吧。"),
  ("A", "好的，已经为您提交续保申请，稍后您会收到支付短信。"), ("C", "好，谢谢。"), ("A", "不客气，祝您生活愉快，再见。")],
  **NA_PRO)
d("h02", "agent snaps at customer; refuses bluntly", [
  ("A", "安心保险，您好。"), ("C", "我的赔款到底什么时候到账？"), ("A", "你问我我也不知道，这事不归我们管。"),
  ("C", "那谁管？"), ("A", "找理赔去，我这儿办不了。"), ("C", "你什么态度！"), ("A", "就这样吧。")],
  **{"wording.polite": "fail", "wording.thanks": "fail", "attitude.no_shirking": "fail", "understanding.guiding": "fail",
     "attitude.impatient": "fail",
     "answer.tactful": "fail", "language.casual": "fail", "info.complete": "fail", "proactive.recommend": "na",
     "proactive.selling_points": "na", "proactive.reassure": "na", "wording.address": "na"})
d("h03", "customer worried about a claim; reassured; status given", [
  ("A", OPEN), ("C", "我上周报的案子，到现在没消息，我怕是不是被拒赔了。"), ("A", "请您别担心，麻烦您提供一下报案号。"),
  ("C", "报案号是31313131。"), ("A", "感谢您，您的案件已经审核通过了，赔款预计三个工作日内到账。"),
  ("C", "那就好。"), ("A", "请问还有其他需要帮助的吗？"), ("C", "没有了，谢谢。"), ("A", "感谢您的来电，再见。")],
  **{"proactive.recommend": "fail", "proactive.selling_points": "fail", "wording.address": "na"})
d("h04", "agent pauses 10 s before answering a question, no wait request", [
  ("A", OPEN), ("C", "我想问一下保费交了吗？保单号是70707070。"), ("A", "交过了，上个月十号扣款成功。", 10.0),
  ("C", "好的。"), ("A", "感谢您的来电，再见。")],
  **{"answer.timely": "fail", "wording.thanks": "fail", "wording.polite": "fail", "understanding.guiding": "na",
     "proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
d("h05", "exaggeration in a sales pitch", [
  ("A", OPEN), ("C", "我想了解一下续保的事。"), ("A", "请问您的保单号是多少？"), ("C", "保单号是42424242。"),
  ("A", "您的保单到期日是明年一月，我建议您选我们的全险套餐，保证什么事故都能赔，绝对划算。"),
  ("C", "真的什么都赔？"), ("A", "对，百分之百没问题。"), ("C", "那我考虑一下。"), ("A", "好的，感谢您的来电，再见。")],
  **{"info.no_exaggeration": "fail", "info.accurate": "fail", "wording.thanks": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
d("h06", "filler-heavy agent, customer asks what it means", [
  ("A", OPEN), ("C", "我的车被别人撞了，怎么理赔？"), ("A", "呃，这个，您可以，呃，走那个代位求偿。"),
  ("C", "代位求偿是什么意思？"), ("A", "就是说我们先赔您，再去找对方，请您提供一下保单号。"), ("C", "90909090。"),
  ("A", "好的，已经帮您登记了，稍后理赔员联系您。"), ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"answer.flexible": "fail", "answer.accessible": "fail", "info.accurate": "na", "info.complete": "na",
     "proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
d("h07", "agent hangs up on a follow-up", [
  ("A", OPEN), ("C", "我的保单还有效吗？保单号12312312。"), ("A", "有效的，保险期限到今年九月，再见。"),
  ("C", "哎等等，我还想问续保的事。")],
  **{"closing.forced": "fail", "wording.polite": "fail", "wording.thanks": "fail", "understanding.guiding": "na",
     "info.complete": "fail", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na", "wording.address": "na"})
d("h08", "misunderstanding corrected twice; asks to repeat twice", [
  ("A", OPEN), ("C", "我要查一下理赔进度。"), ("A", "不好意思，没听清，您再说一遍？"), ("C", "理赔进度。"),
  ("A", "好的，您要改联系电话是吗？"), ("C", "不是这个意思，我问的是理赔到哪一步了。"),
  ("A", "抱歉，请您再说一下报案号。"), ("C", "报案号是65656565，我刚才说了是查理赔。"),
  ("A", "您的案件在审核中，预计五个工作日内有结果。"), ("C", "好吧。"), ("A", "感谢您的来电，再见。")],
  **{"understanding.intent": "fail", "answer.quick_understanding": "fail", "wording.thanks": "fail",
     "proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
d("h09", "polite, structured, name used, payment method", [
  ("A", OPEN), ("C", "您好，我姓何，想问一下保费能不能用微信交？"), ("A", "何女士您好，请问您的保单号是多少？"),
  ("C", "保单号是81818181。"), ("A", "可以的，首先您会收到一条缴费短信，然后点开链接选择微信支付就可以了。"),
  ("C", "好的，谢谢你。"), ("A", "不客气，另外建议您开通自动扣款，以后不用每年操作，更方便。"), ("C", "好的，我考虑一下。"),
  ("A", "感谢您的来电，祝您生活愉快，再见。")],
  **NA_PRO)
d("h10", "long holds and a casual particle", [
  ("A", OPEN), ("C", "我想改一下保单上的地址。"), ("A", "好的呀，请您提供一下保单号。"), ("C", "保单号是27272727。"),
  ("A", "请您稍等，我帮您查一下。"), ("A", "还在处理，请您再稍等。", 30.0), ("A", "不好意思让您久等了，地址已经修改好了。", 40.0),
  ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"language.colloquial": "fail", "answer.quick_operation": "fail", "info.accurate": "na", "info.complete": "na",
     "proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
wsrc = src_full[src_full.index("def write():"):src_full.rindex("write()")]
exec(wsrc, ns)
ns["write"]()
