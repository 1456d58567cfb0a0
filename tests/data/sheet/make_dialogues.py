"""How tests/data/sheet was written: the dialogues and hand labels (run to regenerate the files)."""
import json, pathlib, yaml
OUT = pathlib.Path(__file__).parent
ITEMS = ["wording.polite", "wording.thanks", "wording.address", "language.casual", "language.colloquial",
         "opening.prompt", "attitude.no_shirking", "closing.forced", "understanding.guiding", "understanding.intent",
         "answer.flexible", "answer.tactful", "answer.organized", "answer.accessible", "answer.quick_understanding",
         "answer.quick_operation", "answer.timely", "proactive.recommend", "proactive.selling_points",
         "proactive.reassure", "info.accurate", "info.complete", "info.no_exaggeration", "attitude.impatient"]
D = []
def d(id, note, turns, **labels):
    D.append((id, note, turns, labels))

OPEN = "您好，安心保险客服中心，工号1024，很高兴为您服务。"
# -- 1-10: policy status / premium queries ------------------------------------------------
d("s01", "clean status query with renewal advice", [
  ("A", OPEN), ("C", "你好，我想查一下我的保单状态。"), ("A", "好的，请您提供一下保单号和投保人姓名。"),
  ("C", "保单号是88623457，投保人是王建国。"), ("A", "好的，王先生，感谢您的配合，信息已经核对无误。"),
  ("A", "您的保单目前是有效状态，保险期限到明年三月十五日。"), ("C", "好的。"),
  ("A", "建议您到期前一个月办理续保，连续不出险的话保费还有优惠。"), ("C", "好的，谢谢你。"),
  ("A", "不客气，请问还有其他可以帮您的吗？"), ("C", "没有了。"), ("A", "感谢您的来电，祝您生活愉快，再见。")],
  **{"proactive.reassure": "na"})
d("s02", "curt agent: 你, no 请, no thanks, no key point on the term", [
  ("A", "您好，安心保险。"), ("C", "你好，我想查一下我的保单状态。"), ("A", "保单号多少？"),
  ("C", "保单号是55667788，我姓李。"), ("A", "你的保单是有效的。"), ("C", "那什么时候到期？"),
  ("A", "你自己看合同吧。"), ("C", "好吧。"), ("A", "再见。")],
  **{"wording.polite": "fail", "wording.thanks": "fail", "wording.address": "fail", "attitude.no_shirking": "fail",
     "understanding.guiding": "fail", "info.complete": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "answer.tactful": "pass"})
d("s03", "premium payment query, ASR homophones (宝费, 公号, 来点)", [
  ("A", "您好，安心保险客服中心，公号1109，很高兴为您服务。"), ("C", "你好，我想确认一下我的宝费扣款成功了没有。"),
  ("A", "好的，请您提供一下保单号和身份证号码。"), ("C", "保单号是55778899，我叫陈静。"),
  ("A", "好的，陈女士，您的宝费2499元已经扣款成功。"), ("C", "好的，谢谢。"),
  ("A", "不客气。另外您也可以开通自动续保，到期自动扣款，不用再跑一趟，很方便。"), ("C", "那我考虑一下。"),
  ("A", "好的，感谢您的来点，再见。")],
  **{"proactive.reassure": "na"})
d("s04", "colloquial particles and casual words", [
  ("A", OPEN), ("C", "我想问一下我的保费交了吗？"), ("A", "哦，您稍等呀，我看一下哈。"),
  ("A", "嗯，交过了交过了，没事儿，都搞定了。"), ("C", "好的，谢谢。"), ("A", "不客气啦，还有啥事吗？"),
  ("C", "没有了。"), ("A", "那就这样，拜拜。")],
  **{"language.colloquial": "fail", "language.casual": "fail", "understanding.guiding": "fail", "wording.polite": "fail",
     "proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
d("s05", "customer greets first; agent answers after a long unannounced silence", [
  ("C", "喂？喂，有人吗？"), ("A", "您好，安心保险客服中心，请问有什么可以帮您？"),
  ("C", "我想查一下我的保单还有效吗？"), ("A", "请您提供一下保单号。"), ("C", "保单号是22446680。"),
  ("A", "您的保单是有效状态，保险期限到今年十二月三十一日。", 9.0), ("C", "好的，谢谢。"),
  ("A", "感谢您的来电，再见。")],
  **{"opening.prompt": "fail", "answer.timely": "fail", "wording.thanks": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})
d("s06", "question left unanswered 8 s", [
  ("A", OPEN), ("C", "我想问一下我的车险什么时候到期？"), ("A", "好的，请您提供一下保单号和车牌号码。"),
  ("C", "保单号33456789，车牌沪A66889。"), ("A", "好的，已经核实，您的车险保险期限到今年十二月三十一日。"),
  ("C", "那续保要怎么办呢？"), ("A", "到期前一个月我们会给您发续保通知，您按照短信提示办理就可以了。", 8.0),
  ("C", "好的。"), ("A", "请问还有其他问题吗？"), ("C", "没有了。"), ("A", "感谢您的来电，祝您生活愉快，再见。")],
  **{"answer.timely": "fail", "wording.thanks": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})
d("s07", "announced wait before answering: timely", [
  ("A", OPEN), ("C", "我想查一下理赔进度。"), ("A", "好的，请您提供一下报案号和被保险人姓名。"),
  ("C", "报案号97531208，被保险人李秀英。"), ("A", "好的，李女士，我帮您查询一下，请您稍等。"), ("C", "好的。"),
  ("A", "感谢您的耐心等待，您的案件已经定损完成，赔款预计三个工作日内支付到您的账户。", 20.0),
  ("C", "会不会到不了账啊？我有点担心。"), ("A", "您放心，支付以后会有短信通知您，如果没收到可以随时来电。"),
  ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"proactive.recommend": "fail", "proactive.selling_points": "fail"})
d("s08", "worry not addressed, blunt refusal", [
  ("A", OPEN), ("C", "我想问一下理赔进度，报案号是86421357。"), ("A", "好的，您的案件还在审核中。"),
  ("C", "能不能帮我加急一下？万一拖到下个月怎么办？"), ("A", "不行，加急办不了。"), ("C", "那好吧。"),
  ("A", "还有别的事吗？"), ("C", "没有了。"), ("A", "再见。")],
  **{"answer.tactful": "fail", "proactive.reassure": "fail", "wording.thanks": "fail", "wording.polite": "fail",
     "understanding.guiding": "na", "info.complete": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "wording.address": "na"})
d("s09", "complaint handled well", [
  ("A", OPEN), ("C", "我要投诉，你们的理赔太慢了，等了一个多月了。"), ("A", "非常抱歉给您带来不便，请您提供一下保单号。"),
  ("C", "保单号是66824735，投保人是张伟。"), ("A", "好的，张先生，我看到您的案件还在审核中。"),
  ("C", "审核要审多久啊？"), ("A", "您先别着急，我这边马上帮您催办，今天之内给您回复。"),
  ("C", "那好吧，我等你们电话。"), ("A", "好的，再次向您表示歉意，感谢您的来电，再见。")],
  **{"wording.thanks": "fail", "proactive.recommend": "na", "proactive.selling_points": "na",
     "proactive.reassure": "na"})
d("s10", "shirking and taboo", [
  ("A", "喂，安心保险。"), ("C", "你好，我的理赔款怎么还没到账？"), ("A", "这个不归我管，你去找理赔部门。"),
  ("C", "那我应该找谁啊？"), ("A", "你自己去营业厅问吧。"), ("C", "你们怎么这样啊。"), ("A", "就这样吧。")],
  **{"attitude.no_shirking": "fail", "wording.polite": "fail", "wording.thanks": "fail",
     "understanding.guiding": "fail", "answer.tactful": "fail", "info.complete": "fail", "language.casual": "fail",
     "proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na", "closing.forced": "pass"})
# -- 11-20 ---------------------------------------------------------------------------------
d("s11", "transfer with a reason is not 推诿; rescue topic answered right", [
  ("A", OPEN), ("C", "我的车在高速上坏了，能叫救援吗？"), ("A", "请问您的车是几座的？是营业车还是家用车？"),
  ("C", "五座的家用车，商业险还在有效期内。"), ("A", "好的，救援服务适用于保单有效期内九座及以下非营业客车，您的车符合条件。"),
  ("A", "救援由道路救援中心专门负责调度，我帮您转接过去，请您稍等。"), ("C", "好的，谢谢。"),
  ("A", "不客气，祝您一路平安。")],
  **{"closing.forced": "pass", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na", "wording.address": "na"})
d("s12", "rescue promised outside its scope", [
  ("A", OPEN), ("C", "我的货车坏在路上了，能叫救援吗？"), ("A", "可以的，货车也可以，我们所有车辆都可以救援。"),
  ("C", "那太好了，多久能到？"), ("A", "一般一个小时之内到，请您保持电话畅通。"), ("C", "好的。"),
  ("A", "感谢您的来电，再见。")],
  **{"info.accurate": "fail", "info.complete": "fail", "understanding.guiding": "fail", "wording.thanks": "fail",
     "proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
d("s13", "exaggerated promises on a claim", [
  ("A", OPEN), ("C", "我想问一下理赔进度，我担心赔不下来。"), ("A", "请您提供一下报案号。"), ("C", "报案号是12345678。"),
  ("A", "您放心，已经在审核中了，肯定能赔，而且是全额赔付，百分之百没问题。"), ("C", "那什么时候到账？"),
  ("A", "预计五个工作日之内到账。"), ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"info.no_exaggeration": "fail", "info.accurate": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "wording.address": "na"})
d("s14", "hedged answer, no exaggeration", [
  ("A", OPEN), ("C", "我想问一下理赔进度，能全赔吗？"), ("A", "请问您的报案号是多少？"), ("C", "报案号是24681357。"),
  ("A", "您的案件已经定损完成，赔付金额以定损结果和保险条款为准，我们不能保证全额赔付。"),
  ("A", "赔款预计三个工作日内支付，支付以后会有短信通知您。"), ("C", "好的，明白了，谢谢。"),
  ("A", "不客气，感谢您的来电，再见。")],
  **{"proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
d("s15", "customer has to correct the agent twice", [
  ("A", OPEN), ("C", "我想改一下联系电话。"), ("A", "好的，您是要改通讯地址是吗？"),
  ("C", "不是这个意思，我说的是电话号码。"), ("A", "好的，您是要查询电话缴费是吗？"),
  ("C", "我刚才说了，是修改联系电话。"), ("A", "好的，请问新的号码是多少？"), ("C", "13800138000。"),
  ("A", "跟您核对一下，13800138000，对吗？"), ("C", "对。"), ("A", "已经帮您修改好了，感谢您的配合，再见。")],
  **{"understanding.intent": "fail", "answer.quick_understanding": "pass", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na",
     "closing.forced": "pass"})
d("s16", "agent asks to repeat three times", [
  ("A", OPEN), ("C", "我想咨询一下续保。"), ("A", "不好意思，您再说一遍？"), ("C", "续保，我想续保。"),
  ("A", "没听清楚，请您再说一遍。"), ("C", "续保！"), ("A", "哦好的，续保是吧，请您提供一下保单号。"),
  ("C", "保单号77352864。"), ("A", "您的保险期限到下个月二十号，我们会给您发续保通知，您按短信办理就可以。"),
  ("C", "好吧。"), ("A", "感谢您的来电，再见。")],
  **{"answer.quick_understanding": "fail", "language.colloquial": "fail", "wording.thanks": "fail",
     "proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
d("s17", "jargon without explanation; customer lost", [
  ("A", OPEN), ("C", "我的车被撞了，对方全责，你们怎么处理？"), ("A", "这种情况可以走代位求偿，需要您先签一份批单。"),
  ("C", "什么意思？我听不太懂。"), ("A", "就是我们先赔给您，再向对方要钱，请您提供一下保单号。"),
  ("C", "保单号是99887766。"), ("A", "好的，已经帮您登记了，理赔专员会联系您。"), ("C", "好的，谢谢。"),
  ("A", "不客气，感谢您的来电，再见。")],
  **{"answer.accessible": "fail", "info.accurate": "na", "info.complete": "na", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})
d("s18", "long unstructured answer", [
  ("A", OPEN), ("C", "续保的话具体要怎么办？"), ("A", "请问您的保单号是多少？"), ("C", "保单号33445566。"),
  ("A", "续保的话您需要先确认保单信息再到页面上选择一个支付方式完成保费支付之后电子保单会发送到您登记的邮箱里如果您一直没有收到的话可以再拨打我们的客服热线我们会帮您重新发送。"),
  ("C", "啊，好复杂，好吧。"), ("A", "感谢您的来电，再见。")],
  **{"answer.organized": "fail", "wording.thanks": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})
d("s19", "structured steps, recommendation with selling points", [
  ("A", OPEN), ("C", "我的车险快到期了，续保要怎么办？"), ("A", "请您提供一下保单号和车牌号码，我帮您核实一下身份。"),
  ("C", "保单号77352864，车牌浙A36189。"), ("A", "感谢您的配合，您的保险期限到下个月二十号。"),
  ("A", "第一步，您收到续保短信以后核对车辆信息；第二步，选择支付方式完成支付；最后，电子保单会在一个工作日内发到您的邮箱。"),
  ("A", "另外建议您加一份道路救援附加险，一年只要几十元，出门更省心。"), ("C", "听起来不错，我考虑一下。"),
  ("A", "好的，请问还有其他可以帮您的吗？"), ("C", "没有了，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"proactive.reassure": "na", "wording.address": "na"})
d("s20", "fillers and self-corrections", [
  ("A", OPEN), ("C", "我想查一下保单状态。"), ("A", "好的，请您提供保单号。"), ("C", "保单号44556677。"),
  ("A", "呃，您的保单，那个那个，是有效的，不对不对，我再看一下。"), ("A", "呃，是有效状态，保险期限到明年六月。"),
  ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"answer.flexible": "fail", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na", "wording.address": "na"})
# -- 21-42 ---------------------------------------------------------------------------------
d("s21", "agent says goodbye while the customer still has a question", [
  ("A", OPEN), ("C", "我想查一下保费交了没有。"), ("A", "请您提供一下保单号。"), ("C", "保单号是12348765。"),
  ("A", "您的保费已经交过了，缴费状态正常。"), ("A", "感谢您的来电，再见。"),
  ("C", "等一下，我还想问一下续保的事。")],
  **{"closing.forced": "fail", "answer.timely": "pass", "wording.thanks": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na", "info.complete": "fail"})
d("s22", "customer protests they were not finished", [
  ("A", OPEN), ("C", "我想问一下理赔进度，还有我那个保单地址也要改……"), ("A", "您的理赔在审核中，预计三个工作日内有结果，就这样，再见。", -0.5),
  ("C", "哎，我还没说完呢，别挂电话！")],
  **{"closing.forced": "fail", "understanding.guiding": "fail", "wording.polite": "fail",
     "wording.thanks": "fail", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na", "wording.address": "na"})
d("s23", "customer asks after farewell: 还有一个问题", [
  ("A", OPEN), ("C", "我的保单还有效吗？"), ("A", "请问您的保单号是多少？"), ("C", "保单号是66778899，投保人是赵磊。"),
  ("A", "好的，赵先生，您的保单是有效状态，保险期限到明年一月。"), ("A", "好的，那感谢您的来电，再见。"),
  ("C", "先别挂，我还有一个问题。"), ("A", "不好意思，您请说。"), ("C", "算了，没事了。")],
  **{"closing.forced": "fail", "wording.thanks": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "answer.timely": "pass"})
d("s24", "long lookups without a word (操作慢)", [
  ("A", OPEN), ("C", "我想查一下理赔进度，报案号是13572468。"), ("A", "好的，请您稍等。"),
  ("A", "还在查询，请您再稍等一下。", 35.0), ("A", "感谢您的耐心等待，您的案件已经审核通过，赔款预计五个工作日内到账。", 32.0),
  ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"answer.quick_operation": "fail", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na", "wording.address": "na", "understanding.guiding": "na"})
d("s25", "system slow: several holds add up", [
  ("A", OPEN), ("C", "我想改一下联系电话，新号码是13912345678。"), ("A", "好的，跟您核对一下，13912345678，对吗？"),
  ("C", "对。"), ("A", "好的，请您稍等，我帮您修改。"), ("C", "好。"), ("A", "不好意思，系统有点慢，请您再稍等。", 25.0),
  ("A", "让您久等了，还需要一点时间。", 25.0), ("A", "感谢您的耐心等待，已经帮您修改好了，修改后会有短信通知。", 20.0),
  ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"answer.quick_operation": "fail", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na", "wording.address": "na", "understanding.guiding": "na"})
d("s26", "dead air after a question, then a long hold", [
  ("A", OPEN), ("C", "我的保费交了吗？"), ("A", "请问您的保单号是多少？"), ("C", "保单号是24682468。"),
  ("A", "您的保费已经扣款成功了。", 40.0), ("C", "那明年的保费是多少？"), ("A", "明年的保费大约是三千六百元，具体以续保通知为准。", 30.0),
  ("C", "好吧。"), ("A", "感谢您的来电，再见。")],
  **{"answer.quick_operation": "fail", "answer.timely": "fail", "wording.thanks": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})
d("s27", "recommendation fits; worry about price reassured", [
  ("A", OPEN), ("C", "我想问一下续保，保费会不会涨很多？我有点担心。"), ("A", "请您提供一下保单号，我帮您看一下。"),
  ("C", "保单号是11223344，我姓孙。"), ("A", "好的，孙女士，您今年没有出险，请您放心，明年保费不会上涨，还能享受无赔款优待。"),
  ("A", "您的保险期限到下个月十号，建议您现在就办理续保，可以直接在电话里办，很方便。"), ("C", "好的，那就办吧。"),
  ("A", "好的，已经帮您提交续保申请，稍后会有短信通知您支付。"), ("C", "谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{})
d("s28", "worry ignored: customer afraid the car is not covered", [
  ("A", OPEN), ("C", "我的保单还有效吗？我怕昨天出的事故不在保障范围内。"), ("A", "请问您的保单号是多少？"),
  ("C", "保单号是55443322。"), ("A", "您的保单是有效状态，保险期限到今年十月。"), ("A", "报案请拨打报案电话。"),
  ("C", "好吧。"), ("A", "感谢您的来电，再见。")],
  **{"proactive.reassure": "fail", "wording.thanks": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "wording.address": "na"})
d("s29", "worry answered with 不用担心", [
  ("A", OPEN), ("C", "我的保费扣款了吗？万一没扣上保单会不会失效？"), ("A", "请您提供一下保单号和身份证号码。"),
  ("C", "保单号是77889900，我叫周敏。"), ("A", "好的，周女士，不用担心，您的保费已经扣款成功，保单不会失效。"),
  ("C", "那就好，谢谢你。"), ("A", "不客气，另外推荐您开通电子保单提醒，缴费和到期都会免费提醒您。"), ("C", "好的。"),
  ("A", "感谢您的来电，再见。")],
  **{})
d("s30", "premium amount with wrong promise", [
  ("A", OPEN), ("C", "我想问一下明年的保费多少钱？"), ("A", "请问您的保单号是多少？"), ("C", "保单号是99001122。"),
  ("A", "您的保费是三千二百元，保费永远不变，以后每年都一样，您绝对放心。"), ("C", "真的吗？"),
  ("A", "保证是真的。"), ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"info.accurate": "fail", "info.no_exaggeration": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})
d("s31", "clean premium amount answer", [
  ("A", OPEN), ("C", "续保的时候保费会变吗？"), ("A", "请您提供一下保单号，我帮您查一下。"), ("C", "保单号是31415926。"),
  ("A", "保费会根据您今年的出险情况重新计算，具体金额以续保通知为准。"), ("A", "您的保险期限到今年十二月，到期前一个月我们会发续保通知。"),
  ("C", "明白了，谢谢。"), ("A", "不客气，建议您关注一下续保短信，按时续保还能享受优惠。"), ("C", "好的。"),
  ("A", "感谢您的来电，再见。")],
  **{"proactive.reassure": "na", "wording.address": "na"})
d("s32", "off-topic call (office address): info n/a", [
  ("A", OPEN), ("C", "你们公司在哪里？我想过去办业务。"), ("A", "请问您要办理什么业务呢？"), ("C", "我想开发票。"),
  ("A", "好的，发票可以在官网上自助开具，不用跑一趟，很方便，我把网址通过短信发给您。"), ("C", "好的，谢谢。"),
  ("A", "不客气，感谢您的来电，再见。")],
  **{"info.accurate": "na", "info.complete": "na", "proactive.reassure": "na", "wording.address": "na",
     "proactive.recommend": "fail", "proactive.selling_points": "fail"})
d("s33", "casual slang and a bare refusal", [
  ("A", OPEN), ("C", "我想把保单的受益人改一下。"), ("A", "这个电话里办不了，你得去柜台。"), ("C", "为什么不能电话办？"),
  ("A", "咋说呢，规定就是这样，不可以。"), ("C", "好吧。"), ("A", "行吧，那就这样，再见。")],
  **{"language.casual": "fail", "answer.tactful": "fail", "wording.polite": "fail", "wording.thanks": "fail",
     "understanding.guiding": "fail", "info.accurate": "na", "info.complete": "na", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})
d("s34", "particles 呀 嘛 啦", [
  ("A", OPEN), ("C", "我的保单还有效吗？"), ("A", "您好呀，请您提供一下保单号嘛。"), ("C", "保单号是12121212。"),
  ("A", "您的保单是有效状态啦，保险期限到明年五月。"), ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"language.colloquial": "fail", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na", "wording.address": "na"})
d("s35", "customer first: 喂 你好", [
  ("C", "喂，你好？"), ("A", "您好，这里是安心保险客服中心，请问有什么可以帮您？"), ("C", "我想查一下保单状态。"),
  ("A", "请您提供一下保单号。"), ("C", "保单号是10203040，投保人叫吴芳。"), ("A", "好的，吴女士，您的保单是有效状态，保险期限到明年二月。"),
  ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"opening.prompt": "fail", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na"})
d("s36", "customer calls out 有人吗 after silence at the start", [
  ("C", "有人吗？"), ("A", "您好，安心保险客服中心。"), ("C", "我想问一下理赔进度。"), ("A", "请问您的报案号是多少？"),
  ("C", "报案号是56781234，我姓郑。"), ("A", "好的，郑先生，您的案件已经结案，赔款已经支付到您的账户。"),
  ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"opening.prompt": "fail", "info.complete": "pass", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na"})
d("s37", "agent misunderstands, customer repeats", [
  ("A", OPEN), ("C", "我想问一下我的理赔款到账了没有。"), ("A", "好的，您是要报案是吗？请您说一下出险经过。"),
  ("C", "我不是问这个，我问的是赔款到账没有。"), ("A", "不好意思，请您提供一下报案号。"), ("C", "报案号是80808080。"),
  ("A", "您的赔款已经支付，预计今天之内到账。"), ("C", "好的。"), ("A", "感谢您的来电，再见。")],
  **{"understanding.intent": "fail", "wording.thanks": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})
d("s38", "customer corrects once: 我说过了", [
  ("A", OPEN), ("C", "我想改一下手机号。"), ("A", "请问您要改哪一个保单的地址？"), ("C", "我说过了，是改电话，不是地址。"),
  ("A", "抱歉，请问新的号码是多少？"), ("C", "13700001111。"), ("A", "跟您确认一下，13700001111，对吗？"), ("C", "对的。"),
  ("A", "已经修改成功了，感谢您的配合，再见。")],
  **{"understanding.intent": "fail", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na", "wording.address": "na", "closing.forced": "pass"})
d("s39", "agent keeps asking to repeat; jargon", [
  ("A", OPEN), ("C", "我想退保。"), ("A", "您说什么？"), ("C", "退保。"), ("A", "您再说一遍？信号不好。"), ("C", "我要退保！"),
  ("A", "退保的话要看现金价值，需要走保全流程。"), ("C", "啥意思？"), ("A", "就是退的钱按现金价值算。"), ("C", "好吧。"),
  ("A", "感谢您的来电，再见。")],
  **{"answer.quick_understanding": "fail", "answer.accessible": "fail", "understanding.guiding": "fail",
     "wording.polite": "fail", "wording.thanks": "fail", "info.accurate": "na", "info.complete": "na",
     "proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
d("s40", "rambling answers with fillers", [
  ("A", OPEN), ("C", "我想问一下续保怎么办？"), ("A", "请问您的保单号是多少？"), ("C", "保单号是65432109。"),
  ("A", "呃，续保的话，呃，就是就是，您到期前会收到短信然后您按照那个短信上面的链接进去核对一下车辆信息再选择支付方式付完款以后电子保单就会发到您的邮箱里面。"),
  ("C", "好的。"), ("A", "感谢您的来电，再见。")],
  **{"answer.flexible": "fail", "answer.organized": "pass", "wording.thanks": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})
d("s41", "long unstructured answer about a claim", [
  ("A", OPEN), ("C", "我想问一下理赔进度，报案号是24242424。"), ("A", "好的，请您稍等。"),
  ("A", "您的案件现在是在审核中因为您提交的材料里面缺少一张维修发票所以审核人员暂时没有办法给您结案需要您补充材料之后我们再重新提交审核一般是三个工作日左右会有结果的。"),
  ("C", "啊？那我要怎么补？"), ("A", "您可以在我们的官方应用上传发票照片。"), ("C", "好的，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"answer.organized": "fail", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na", "wording.address": "na", "understanding.guiding": "na"})
d("s42", "blunt 不可以 and 不行", [
  ("A", OPEN), ("C", "我的保费能不能分期交？"), ("A", "不可以。"), ("C", "那能不能晚几天交？"), ("A", "也不行。"),
  ("C", "好吧。"), ("A", "感谢您的来电，再见。")],
  **{"answer.tactful": "fail", "wording.polite": "fail", "wording.thanks": "fail", "understanding.guiding": "fail",
     "info.accurate": "pass", "info.complete": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})
d("s43", "name given but never used; shirking; guaranteed payout", [
  ("A", OPEN), ("C", "你好，我姓钱，我的理赔款什么时候能到？"), ("A", "理赔款的事你去问理赔部吧，我们处理不了。"),
  ("C", "你们不是一个公司吗？我担心一直拖着。"), ("A", "那我看一下，请您提供报案号。"), ("C", "报案号是14141414。"),
  ("A", "您的案件审核通过了，三个工作日内到账，绝对没问题。"), ("C", "好吧，谢谢。"), ("A", "不客气，感谢您的来电，再见。")],
  **{"wording.address": "fail", "attitude.no_shirking": "fail", "wording.polite": "fail", "proactive.reassure": "fail",
     "info.no_exaggeration": "fail", "proactive.recommend": "fail", "proactive.selling_points": "fail"})
d("s44", "name given, never used; rambling unstructured renewal explanation with fillers", [
  ("A", OPEN), ("C", "我叫冯军，想问问续保怎么弄。"), ("A", "请问您的保单号是多少？"), ("C", "保单号是15151515。"),
  ("A", "呃，续保就是您在到期之前把下一年的保费交了就行了我们会发短信给您里面有链接您点进去确认信息以后付款成功电子保单就会发到您的邮箱您也可以打电话来办。"),
  ("C", "呃，好吧。"), ("A", "那个那个，还有别的问题吗？"), ("C", "没了。"), ("A", "感谢您的来电，再见。")],
  **{"wording.address": "fail", "answer.organized": "fail", "answer.flexible": "fail", "wording.thanks": "fail",
     "proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na"})
d("s45", "customer lost in jargon; agent keeps asking to repeat", [
  ("A", OPEN), ("C", "我想把车险退了。"), ("A", "没听清，您再说一遍？"), ("C", "退保，退车险。"),
  ("A", "您说什么？信号不好，请再说一次。"), ("C", "我要退车险！"), ("A", "好的，车险退保要先做批改，按未到期责任计算退费，浮动系数也会影响。"),
  ("C", "我听不太懂，什么意思？"), ("A", "就是按剩下的时间退钱。"), ("C", "好的。"), ("A", "感谢您的来电，再见。")],
  **{"answer.quick_understanding": "fail", "answer.accessible": "fail", "wording.thanks": "fail", "info.accurate": "na",
     "info.complete": "na", "proactive.recommend": "fail", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
d("s46", "name used; worry reassured; clean", [
  ("A", OPEN), ("C", "你好，我是被保险人周涛，我的保单还有效吗？我怕已经过期了。"), ("A", "周先生您好，请您提供一下保单号，我帮您核实。"),
  ("C", "保单号是16161616。"), ("A", "感谢您，请您放心，您的保单是有效状态，保险期限到明年四月。"),
  ("C", "太好了，谢谢。"), ("A", "不客气，建议您到期前开通续保提醒，免费的，到时候短信通知您。"), ("C", "好的。"),
  ("A", "感谢您的来电，再见。")],
  **{})
d("s47", "impatient agent repeats himself", [
  ("A", OPEN), ("C", "我想问一下明年保费多少钱？"), ("A", "请问您的保单号是多少？"), ("C", "保单号17171717。"),
  ("A", "明年保费大约四千元，以续保通知为准。"), ("C", "为什么这么多？"), ("A", "按出险情况算的。"), ("C", "出险怎么算的？"),
  ("A", "我都说了，按出险次数算，说了多少遍了。"), ("C", "好吧。"), ("A", "感谢您的来电，再见。")],
  **{"attitude.impatient": "fail", "wording.thanks": "fail", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})
d("s48", "agent hurries the customer", [
  ("A", OPEN), ("C", "我想咨询一下，就是那个，我的车上个月……"), ("A", "您说重点，快点，后面还有很多电话。"),
  ("C", "我想查理赔进度，报案号18181818。"), ("A", "审核中，五个工作日内有结果，没事我挂了啊。"), ("C", "哦。")],
  **{"attitude.impatient": "fail", "wording.polite": "fail", "wording.thanks": "fail", "understanding.guiding": "fail",
     "closing.forced": "pass", "proactive.recommend": "fail", "proactive.selling_points": "fail",
     "proactive.reassure": "na", "wording.address": "na"})
d("s49", "patient re-explanation", [
  ("A", OPEN), ("C", "不好意思，我年纪大了，你刚才说的续保我没听明白。"), ("A", "没关系，请您别着急，我再给您慢慢说一遍。"),
  ("A", "首先到期前会收到续保短信，然后点开链接核对信息，最后选择支付方式付款就可以了。"), ("C", "这下明白了，谢谢你。"),
  ("A", "不客气，如果您觉得操作麻烦，也可以让家人帮忙，或者再打电话给我们，我们帮您在电话里办理。"), ("C", "好的。"),
  ("A", "感谢您的来电，祝您身体健康，再见。")],
  **{"proactive.recommend": "pass", "proactive.selling_points": "fail", "proactive.reassure": "na",
     "wording.address": "na"})
d("s50", "agent snaps: listen to me", [
  ("A", OPEN), ("C", "我的保单地址能不能改？我搬家了，然后……"), ("A", "你听我说，改地址要本人带身份证去柜台办理。"),
  ("C", "可是我在外地，不能在电话里改吗？"), ("A", "听清楚了，电话里办不了，只能去柜台。"), ("C", "那好吧。"),
  ("A", "感谢您的来电，再见。")],
  **{"attitude.impatient": "fail", "wording.polite": "fail", "wording.thanks": "fail", "understanding.guiding": "fail",
     "answer.tactful": "fail", "info.accurate": "na", "info.complete": "na", "proactive.recommend": "fail",
     "proactive.selling_points": "fail", "proactive.reassure": "na", "wording.address": "na"})

def write():
    labels = {}
    for id, note, turns, lab in D:
        clock, lines = 0.5, []
        first = True
        for t in turns:
            spk, text = t[0], t[1]
            gap = t[2] if len(t) > 2 else 0.6
            start = 0.5 if first else max(0.0, clock + gap)
            end = start + max(len(text), 1) / 4.0
            lines.append({"speaker": "agent" if spk == "A" else "customer", "text": text,
                          "start": round(start, 2), "end": round(end, 2)})
            clock, first = max(clock, end), False
        (OUT / f"{id}.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", "utf-8")
        full = {i: lab.get(i, "pass") for i in ITEMS}
        bad = set(lab) - set(ITEMS)
        assert not bad, (id, bad)
        labels[id] = {"note": note, "labels": full}
    hdr = ("# Hand labels for the annotated dialogues (tests/test_sheet.py): per dialogue, every text item\n"
           "# as a QA reviewer would mark it: pass | fail | na (does not apply / not judged). A partial\n"
           "# award counts as fail. Labelled by reading each dialogue against the item's definition in\n"
           "# README \"The checklist\", not by running the rules.\n")
    (OUT / "labels.yaml").write_text(hdr + yaml.safe_dump(labels, allow_unicode=True, sort_keys=False, width=120), "utf-8")
write()
print(len(D))
