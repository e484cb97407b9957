"""Text checks on ad copy, captions and prompts (zh-TW and English) against the rule packs.

How a phrase rule decides, in order:

1. **Normalise** the text and every phrase the same way: NFKC (full-width -> half-width, compatibility forms),
   lower case, invisible format characters dropped, whitespace next to CJK characters dropped (so 降 血 壓 still
   matches), joiner punctuation (· . - _ * ~ ...) between two CJK characters dropped (能治·療 == 能治療; commas
   and 。 are kept: they end a clause), single Latin letters spelled out with separators joined (c.u.r.e.s ==
   cures), leetspeak inside a Latin word read as letters (d1abetes == diabetes, c@ncer == cancer; d3, b12 and
   covid19 stay), zhuyin syllables of the medical and drink vocabulary read as their character (ㄐㄧㄤˋ血壓 ==
   降血壓), and Traditional characters folded onto Simplified ones (降血压 and 降血壓 match the same phrase; the
   folding table covers about 1,300 common characters, and a test checks it against OpenCC for every character
   of the shipped packs). Offsets into the original text are kept, so findings quote what the user wrote.
2. **Find** every banned phrase, pattern and claim: CJK phrases anywhere (Chinese has no spaces); phrases with
   Latin letters only at word boundaries, with simple English inflections (cure, cures, cured, curing) and any
   run of spaces or hyphens between words; a rule's ``patterns`` (regular expressions, refused at load when they
   can backtrack catastrophically, see ``regexcheck``); a rule's ``claims``: a term of one lexicon (efficacy
   verbs: 改善, 治療, cure ...) and a term of another (diseases and symptoms: 失眠, 糖尿病, insomnia ...) within
   a few characters or words of the same clause (能有效改善失眠, "relieves chronic back pain"), or a target
   followed by a word saying it is gone (痛風救星, "keeps colds away").
3. **Allow-list**: allowed phrases are found the same way and mask the text they cover; a banned match that
   overlaps an allowed span is dropped unless it strictly contains it (調整體質 is allowed, 改善體質 is not;
   "幫助消化" masks nothing of a longer banned phrase that contains it); a claim is dropped when either of its
   terms touches an allowed phrase (根治壁癌: 壁癌 is damp walls). Of overlapping banned matches of one rule the
   longest wins; of two rules' findings on the same words the first listed (the more specific) is reported.
4. **Negation**: a negation cue (不含, 無, 沒有, 不能, 並非, not, no, never, without, free of ...) earlier in the
   same clause and at most two CJK characters or three English words before the phrase turns the finding into
   what the rule's ``negation`` says (``drop`` it, lower it to ``warn`` or ``review``, or ``keep`` it).
   Look-alikes that are not negations (不只, 不再, 不斷, 非常, not only, no more ...) are ignored. An English list
   continues the clause across its commas ("not intended to diagnose, treat, cure or prevent any disease").
   Advice to see a doctor in the same sentence (請先諮詢醫師, "talk to your doctor") and a title in 《…》 count
   like a negation, unless the copy asserts the effect just before the match (能治療…, "it treats …").
5. **Suggest** the pack's compliant wording for the matched phrase (改善體質 -> 調整體質).

The work is linear in the length of the copy: a fixed number of regex scans per rule and bounded work per
candidate match (``WorkMeter`` counts both, for tests).

``required_text`` rules check that each required text appears in the on-screen texts for the whole video
(the union of the ``TimedText`` intervals containing it covers 0..duration), after normalisation that also
ignores punctuation and spaces (「飲酒過量，有害健康」 == "飲酒過量 有害健康").
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from studio.categories import DEFAULT_CATEGORY, Category
from studio.compliance.findings import SEVERITY, Finding
from studio.compliance.rules import Claim, Rule, RulePack, check_category
from studio.errors import InputError, StudioError

if TYPE_CHECKING:  # the model module is imported on first use (numpy), not with the rules
    from studio.compliance.claim_model import ClaimModel

MAX_TEXT_CHARS = 100_000  # one piece of copy; longer input is refused, not truncated
COVERAGE_TOLERANCE_S = (
    0.05  # gaps in a required text's display shorter than this are ignored (under 2 frames)
)

# Traditional -> Simplified folding (pairs of characters). Many Traditional characters fold onto one Simplified
# character (髮, 發 -> 发; 菸, 煙 -> 烟), never the other way, so folding both sides is unambiguous.
_TRAD_SIMP_PAIRS = (
    "並并乾干佈布佔占併并來来侖仑係系倆俩倉仓個个們们倖幸倫伦偉伟側侧偵侦偽伪傑杰傘伞備备傢家傭佣傳传傷伤僅仅僑侨僕仆僱雇價价儀仪儂侬億亿儘尽優优儲储儷俪兇凶兒儿兩两冊册凍冻則则剋克劃划劍剑劑剂勁劲動动務务"
    "勝胜勞劳勢势勵励匯汇區区協协厲厉參参叢丛吳吴員员問问啞哑啟启喚唤喪丧喬乔單单嗆呛嗎吗嘆叹嘔呕嘖啧嘗尝噁恶噓嘘噴喷噸吨嚇吓嚐尝嚥咽嚨咙嚮向嚴严囑嘱囪囱國国圍围圓圆圖图團团報报場场塊块塗涂塢坞塵尘塹堑墊垫"
    "墜坠墮堕墳坟墾垦壇坛壓压壘垒壞坏壟垄壩坝壯壮壺壶壽寿夠够夢梦夾夹奐奂奧奥奪夺奬奖奮奋妝妆姍姗娛娱婁娄婦妇婭娅媧娲媽妈嫗妪嬌娇嬰婴嬸婶孌娈孫孙學学孿孪寢寝實实寧宁審审寫写寬宽寵宠寶宝將将專专尋寻對对導导"
    "尷尴屆届屍尸屜屉屢屡層层屬属岡冈峴岘峽峡崗岗嵐岚嶄崭嶺岭嶼屿巒峦巔巅帥帅師师帳帐帶带幃帏幟帜幣币幫帮幹干庫库廁厕廂厢廈厦廚厨廟庙廠厂廢废廣广廬庐廳厅弒弑張张強强彈弹彌弥彎弯彙汇彥彦後后徑径從从復复徵征"
    "徹彻恆恒恥耻悅悦悵怅悶闷惡恶惱恼惻恻愛爱愜惬愴怆態态慘惨慚惭慟恸慣惯慪怄慮虑慶庆慾欲憂忧憊惫憐怜憑凭憚惮憤愤憶忆懇恳應应懲惩懶懒懷怀懸悬懺忏懼惧戀恋戰战戲戏戶户拋抛拚拼掃扫掛挂揀拣揚扬換换揮挥損损搖摇"
    "摺折撐撑撥拨擁拥擇择擊击擋挡擔担據据擠挤擬拟擴扩擺摆擻擞擾扰攏拢攔拦攜携攝摄攤摊攬揽敍叙敗败敘叙敵敌數数斂敛斃毙斕斓斬斩斷断於于時时晉晋晝昼暈晕暉晖暢畅暫暂曆历曉晓曖暧曠旷曬晒書书會会朧胧朮术東东枱台"
    "桿杆梘枧條条梟枭棄弃棖枨楓枫楨桢業业極极榪杩榮荣構构槍枪槓杠槳桨樁桩樂乐樅枞樓楼標标樞枢樣样樸朴樹树橋桥機机橢椭橫横檔档檢检檯台檳槟櫃柜櫥橱櫻樱欄栏權权欖榄歐欧歡欢歲岁歷历歸归殘残殯殡殲歼殺杀殼壳毀毁"
    "毆殴氈毡氣气氫氢氬氩氳氲汙污決决沒没沖冲況况涼凉淚泪淨净淺浅減减渦涡測测湧涌湯汤準准溝沟溫温滄沧滅灭滌涤滬沪滯滞滲渗滷卤滿满漁渔漢汉漣涟漬渍漲涨漸渐漿浆潑泼潔洁潛潜潤润潰溃澀涩澆浇澇涝澗涧澤泽澱淀濁浊"
    "濃浓濕湿濟济濤涛濫滥濱滨濺溅濾滤瀆渎瀉泻瀋沈瀏浏瀝沥瀟潇瀨濑瀰弥瀾澜灑洒灘滩灣湾災灾炤照為为烏乌烴烃無无煉炼煒炜煙烟煥焕煩烦熒荧熗炝熱热燁烨燄焰燈灯燉炖燐磷燒烧燙烫燜焖營营燦灿燭烛燴烩燼烬爍烁爐炉爛烂"
    "爭争爺爷牆墙牘牍犢犊犧牺狀状狹狭狽狈猙狰猶犹猻狲獄狱獅狮獎奖獨独獪狯獫猃獰狞獲获獵猎獸兽獻献玀猡現现瑣琐璣玑環环璽玺瓊琼瓏珑甌瓯甕瓮產产甦苏畝亩畢毕畫画異异當当疇畴疊叠痙痉痺痹瘂哑瘋疯瘍疡瘓痪瘞瘗瘡疮"
    "瘧疟瘻瘘療疗癇痫癒愈癘疠癟瘪癡痴癢痒癤疖癥症癩癞癬癣癮瘾癱瘫癲癫發发皚皑皸皲皺皱盜盗盞盏盡尽監监盤盘盧卢盪荡眥眦眾众睏困睜睁瞞瞒瞭了瞼睑矯矫砲炮碩硕確确碼码磚砖礎础礙碍礦矿礪砺祿禄禍祸禎祯禦御禪禅禮礼"
    "禱祷禿秃稅税稈秆稟禀種种稱称穀谷穌稣積积穎颖穢秽穩稳窩窝窪洼窮穷窯窑竄窜竅窍竇窦竊窃競竞筆笔筍笋筧笕箋笺箏筝節节範范築筑篋箧篤笃篩筛簀箦簍篓簞箪簡简簫箫簽签簾帘籃篮籌筹籠笼籤签籩笾籲吁粧妆粵粤糝糁糞粪"
    "糧粮糰团糾纠紀纪約约紅红紋纹納纳紐纽紓纾純纯紗纱紙纸級级紛纷紡纺紮扎細细紳绅紹绍終终組组結结絕绝絞绞絡络絢绚給给絨绒統统絲丝絹绢綁绑綏绥經经綜综綠绿綢绸綫线維维綱纲網网綴缀綸纶綺绮綻绽綿绵緊紧緋绯緒绪"
    "線线緝缉緞缎締缔緣缘緩缓緬缅緯纬練练緻致縈萦縛缚縫缝縮缩縱纵總总績绩繃绷繆缪織织繕缮繞绕繡绣繫系繳缴繹绎繼继續续纏缠纖纤纜缆罈坛罰罚罵骂羅罗羆罴羈羁義义習习翹翘聖圣聞闻聯联聰聪聲声聳耸職职聽听肅肃脅胁"
    "脈脉脛胫脫脱脹胀腎肾腦脑腫肿腳脚腸肠膚肤膠胶膩腻膽胆膾脍膿脓臉脸臍脐臏膑臘腊臚胪臟脏臥卧臨临臺台與与興兴舉举舊旧艙舱艦舰艱艰艷艳芻刍茲兹莊庄莖茎莢荚莧苋華华菸烟萊莱萬万萵莴葉叶葒荭著着葦苇葷荤蒔莳蒼苍"
    "蓀荪蓋盖蓮莲蓯苁蓽荜蔔卜蔞蒌蔣蒋蔥葱蔦茑蔭荫蕁荨蕎荞蕓芸蕢蒉蕩荡蕪芜蕭萧蕷蓣薈荟薊蓟薌芗薑姜薔蔷薟莶薦荐薩萨薺荠藍蓝藎荩藝艺藥药藪薮藴蕴蘄蕲蘆芦蘇苏蘊蕴蘋苹蘚藓蘞蔹蘭兰蘺蓠蘿萝處处虛虚虜虏號号虧亏蛺蛱"
    "蜆蚬蝕蚀蝦虾蝸蜗螄蛳螞蚂螢萤螻蝼蟄蛰蟈蝈蟎螨蟣虮蟬蝉蟯蛲蟲虫蟶蛏蟻蚁蠅蝇蠍蝎蠐蛴蠑蝾蠔蚝蠟蜡蠣蛎蠱蛊蠶蚕蠻蛮衆众術术衕同衚胡衛卫衝冲裊袅裏里補补裝装裡里製制複复褲裤褳裢褻亵襖袄襝裣襠裆襤褴襪袜襯衬襲袭"
    "見见規规覓觅視视覘觇覡觋覥觍覦觎親亲覬觊覯觏覲觐覷觑覺觉覽览覿觌觀观觴觞觶觯觸触訂订訃讣計计訊讯訌讧討讨訐讦訒讱訓训訕讪訖讫託托記记訛讹訝讶訟讼訣诀訥讷訪访設设許许訴诉訶诃診诊註注証证詁诂詆诋詎讵詐诈"
    "詒诒詔诏評评詘诎詛诅詞词詠咏詡诩詢询詣诣試试詩诗詫诧詬诟詭诡詮诠詰诘話话該该詳详詵诜詼诙誄诔誅诛誆诓誇夸誌志認认誑诳誒诶誕诞誘诱誚诮語语誠诚誡诫誣诬誤误誥诰誦诵誨诲說说誰谁課课誶谇誹诽誼谊調调諂谄諄谆"
    "談谈諉诿請请諍诤諏诹諑诼諒谅論论諗谂諛谀諜谍諞谝諢诨諤谔諦谛諧谐諫谏諭谕諮咨諱讳諳谙諶谌諷讽諸诸諺谚諼谖諾诺謀谋謁谒謂谓謄誊謅诌謊谎謎谜謐谧謔谑謖谡謗谤謙谦謚谥講讲謝谢謠谣謨谟謫谪謬谬謳讴謹谨謾谩譁哗"
    "證证譎谲譏讥譖谮識识譙谯譚谭譜谱譫谵譯译議议譴谴護护譽誉讀读變变讎雠讒谗讓让讕谰讖谶讚赞讜谠讞谳豎竖豐丰豔艳豬猪貓猫貝贝負负財财貨货貪贪貴贵買买費费貼贴賄贿資资賞赏賣卖賦赋質质賬账賭赌賴赖賺赚購购贈赠"
    "贏赢趨趋跡迹踴踊蹟迹軀躯車车軟软較较載载輔辅輕轻輛辆輪轮輯辑輸输輻辐轄辖轉转辦办辭辞農农迴回這这週周進进遊游運运過过達达違违遜逊遞递遠远適适遲迟選选遺遗還还邊边郵邮鄉乡鄰邻醫医醬酱釋释釘钉針针鈍钝鈕钮"
    "鈣钙鉤钩銀银銅铜銳锐銷销鋅锌鋒锋鋼钢錄录錠锭錢钱錦锦錯错鍊炼鍋锅鍛锻鎖锁鎮镇鏈链鏡镜鐘钟鐵铁鑄铸鑑鉴鑒鉴鑰钥鑽钻長长門门閃闪閉闭開开閒闲間间閘闸閩闽閱阅闆板闊阔闖闯關关闡阐陣阵陰阴陳陈陸陆陽阳隊队階阶"
    "際际隨随險险隱隐隸隶隻只雋隽雖虽雙双雜杂雞鸡離离難难雲云電电霧雾靈灵靜静韁缰韌韧韻韵響响頁页頂顶項项順顺須须頌颂預预頒颁頓顿頗颇領领頭头頰颊頸颈頻频顆颗題题額额顎颚顏颜願愿顛颠類类顧顾顯显風风颱台飄飘"
    "飛飞飯饭飲饮飽饱飾饰餅饼養养餘余館馆餵喂饒饶饞馋馬马駐驻駕驾騎骑騙骗騰腾驅驱驕骄驗验驚惊驟骤骯肮髒脏體体髖髋髮发鬆松鬍胡鬚须鬢鬓鬥斗鬧闹鬱郁魚鱼鮑鲍鮭鲑鮮鲜鯊鲨鯨鲸鱗鳞鱷鳄鳥鸟鴨鸭鴻鸿鵝鹅鷹鹰鹵卤鹼碱"
    "鹽盐麗丽麥麦麩麸麪面麵面麼么黃黄黏粘點点黨党黴霉鼕冬齊齐齋斋齒齿齡龄齣出齦龈龍龙龐庞龜龟"
    # characters of the claim lexicons found missing by tests/compliance/test_comp_policy_claims.py (OpenCC t2s)
    "內内別别洩泄痠酸皰疱貧贫趕赶島岛贖赎宮宫爾尔鳴鸣"
    # and of the v3 lexicons (ICD-10 chapter vocabulary, body functions)
    "剝剥創创剷铲厭厌攣挛聾聋蝨虱賀贺蹤踪輩辈顫颤飆飙駝驼"
    # and of the category cues and the alcohol, drug and health-food rules of tw-ads v4
    "亞亚卻却園园撫抚蔘参賠赔軍军釀酿駛驶齲龋"
    # and of the drug and alcohol rules of tw-ads v10 (亂吃, 小編)
    "亂乱編编"
    # and of tw-ads v5 (drinking contests)
    "賽赛餓饿連连"
    # and of tw-ads v6 (dose safety, unlicensed channels)
    "幾几販贩韓韩醣糖"
    # and of tw-ads v7 (prescription medicines given away)
    "兌兑"
    # and of tw-ads v8 (drug advertorials: 採訪報導)
    "採采"
    # and of tw-ads v9 (testimonials: 阿嬤)
    "嬤嬷"
    # and of tw-ads v11 (Taiwanese: 免閣食藥仔, 擱, 丟掉)
    "閣阁擱搁丟丢"
    # and of tw-ads v20 (剛滿16歲)
    "剛刚"
)

HEALTH_FOOD = Category.HEALTH_FOOD.value
_CLAUSE_BREAKS = set(",.!?;:。!?;:\n\r\t|/…") | {"\u2026"}
_NEGATION_ZH = (
    "不含", "不添加", "無添加", "沒有", "没有", "不會", "不能", "無法", "並非", "不是", "不具", "不可", "不得",
    "未", "無", "沒", "不", "非", "勿", "毋", "零", "拒絕",
)  # fmt: skip
# Words that start like a negation but are not one (不只 = "not only", 不再 = "no longer" is itself a claim).
# Disclaimers that govern a longer stretch (「我們不敢說它能治失眠」: the claim is disowned, several characters on)
_DISCLAIMER_ZH = (
    "不敢說", "不會說", "不敢宣稱", "不宣稱", "不會宣稱", "沒有說", "不是說", "不敢講", "不會講", "不敢保證",
    "請勿以", "勿以", "不得以", "不宜以", "不可以本品", "不能以", "不代表", "未宣稱", "並未宣稱", "沒有宣稱", "不宣傳",
    # tw-ads v9: the product does not replace the treatment (本品不能替代糖尿病治療藥物)
    "不能替代", "不可替代", "無法替代", "不能取代", "不可取代", "無法取代", "不能代替", "不可代替", "並非取代",
    # tw-ads v15: a meta-disclaimer in other verbs (依法不能說能治療…) and a refusal to sell (不販售給國中生)
    "不能說", "無法說", "不可以說", "不能講", "無法宣稱", "不能宣稱", "不可宣稱", "不得宣稱", "不可以宣稱", "不能標榜",
    "不販售", "不售", "不賣", "謝絕",
    # tw-ads v16: a warning against the belief (別以為保養品能治療濕疹)
    "別以為", "不要以為", "別認為", "不要認為", "別相信", "不要相信", "不具", "不具有",
    # tw-ads v21: a reviewer who felt no effect (不覺得有什麼療效; not 不覺得 alone: 不覺得痠痛了 claims relief)
    "不覺得有什麼", "沒覺得有什麼", "沒感覺有什麼", "不認為有什麼", "不認為",
)  # fmt: skip
_DISCLAIMER_GAP_CJK = 8
_PSEUDO_NEGATION_ZH = (
    "不只", "不僅", "不但", "不再", "再也不", "不論", "無論", "不斷", "不錯", "不同", "不少", "不可思議", "非常",
    "未來", "無比", "無敵", "不用", "無須", "無需", "不必", "零負擔", "無限", "無窮", "無上",
)  # fmt: skip  # 無限 = "unlimited" (暢飲無限 drink till you drop), not a negation
_NEGATION_EN = (
    "not", "no", "never", "without", "free of", "free from", "doesn't", "does not", "don't", "do not", "isn't",
    "is not", "cannot", "can't", "won't", "will not", "nor", "zero",
    # tw-ads v9: a disclaimer's verb phrase does not widen the gap ("not intended to diagnose or treat insomnia")
    "not intended to", "not intended for", "not meant to", "not designed to",
    # tw-ads v14: a meta-disclaimer ("we can't say it treats anaemia", "we cannot claim it cures ...")
    "can't say", "cannot say", "can't claim", "cannot claim", "won't claim", "don't claim", "can't promise", "not allowed to say",
)  # fmt: skip
_PSEUDO_NEGATION_EN = ("not only", "not just", "no more", "no longer", "never again", "no wonder")
_SCOPE_BREAKERS = ("但", "但是", "卻", "而且", "還能", "but", "however", "yet", "and also")
_MAX_GAP_CJK = 2  # characters between a Chinese negation cue and the phrase
_LIST_GAP_CJK = (
    10  # ... or more, when what lies between is a list that ends with 或 / 及 / 、 (不具治療或預防)
)
_ZH_LIST_TAIL = re.compile(r"^[\u3400-\u9fff]{1,8}(?:或是|或者|以及|或|及|與|和|跟|、)$")
_MAX_GAP_WORDS = 3  # words between an English negation cue and the phrase
# Advice to see a doctor anywhere in the sentence makes disease words a caution, not a claim (「高血壓治療中的患者，
# 請先諮詢醫師」, "if you are being treated for diabetes, talk to your doctor"): such a match is treated like a
# negated one (the rule's ``negation`` decides: the medical rules keep it as a warning for somebody to read).
_ADVICE_CUES = (
    "諮詢醫師", "諮詢醫生", "詢問醫師", "詢問醫生", "遵從醫囑", "遵照醫師", "請教醫師", "洽詢醫師", "請先諮詢", "遵照醫囑", "遵醫囑", "依醫囑",
    "醫師指示", "請就醫", "儘速就醫", "盡速就醫", "立即就醫", "應就醫", "請看醫生", "尋求醫療", "專業醫療人員", "諮詢藥師",
    "詢問藥師", "諮詢營養師", "consult your doctor", "consult a doctor", "consult your physician", "talk to your doctor",
    "ask your doctor", "speak to your doctor", "see your doctor", "see a doctor", "seek medical advice",
    "seek medical attention", "medical supervision", "consult a healthcare professional",
    "consult your healthcare provider", "ask your pharmacist", "talk to your pharmacist", "if symptoms persist",
    # tw-ads v10: a product warning addressed to a patient group is a caution too ("Warning: ... people with
    # diabetes should check skin temperature often"; 注意事項：糖尿病患者…)
    "warning:", "caution:", "precautions:", "should check", "should consult", "should not use", "do not use if",
    "警語:", "注意事項", "使用注意", "警告:",
    # tw-ads v13: the patient's own doctor named as the one to decide (請與主治醫師討論, "check with your doctor")
    "與醫師討論", "和醫師討論", "跟醫師討論", "與主治醫師", "和主治醫師", "跟主治醫師", "請教主治醫師", "詢問主治醫師",
    "discuss with your doctor", "check with your doctor", "check with your gp", "talk to your gp",
    # tw-ads v14: the same advice in plain words and in 台語 (若有糖尿病…愛先問醫生)
    "先問醫生", "先問醫師", "先問過醫生", "先問過醫師", "愛問醫生", "愛問醫師", "問一下醫生", "問一下醫師",
    # tw-ads v15: referrals to a dentist or an instructor, and a public screening's logistics (衛生所到場, 攜帶健保卡)
    "請看牙醫", "諮詢牙醫", "詢問牙醫", "洽牙醫", "請洽牙醫", "see your dentist", "ask your dentist", "consult your dentist",
    "詢問教練", "請教教練", "洽詢教練", "諮詢教練", "ask our trainer", "ask a trainer", "ask your instructor", "ask our staff",
    "衛生所到場", "攜帶健保卡", "帶健保卡", "免費篩檢", "篩檢活動", "到場篩檢",
    # tw-ads v16: when to see a doctor, a prescription's conditions, a notice that alcohol is not sold
    "就醫時機", "何時就醫", "就醫的時機", "須經醫師診斷", "需經醫師診斷", "須經醫師處方", "需經醫師處方", "依處方使用",
    "禁止販售酒", "禁止販賣酒", "禁售酒", "不得販售酒",
    # tw-ads v17: the product said not to replace the medicine (本品不能替代藥物, "keep taking what your doctor prescribed")
    "不能替代藥物", "不能取代藥物", "不可替代藥物", "無法取代藥物", "無法替代藥物", "不能替代藥品", "不能取代藥品",
    "keep taking what your doctor", "keep taking your medic", "not a substitute for medic", "does not replace your medic",
    # tw-ads v19: do not stop the medicine on one's own (請勿自行停藥), a patch test and when to stop a cosmetic
    "勿自行停藥", "不可自行停藥", "不要自行停藥", "do not stop taking", "don't stop taking", "stop use if", "stop using if",
    "discontinue use if", "patch-test", "patch test",
    # tw-ads v21: a referral to a specialist (痘痘問題請洽皮膚科醫師, 視力問題請洽眼科醫師)
    "請洽醫師", "請洽專業醫師", "請洽專科醫師", "請洽皮膚科", "請洽眼科", "請洽耳鼻喉科", "請洽家醫科", "請洽醫療院所",
    "請洽中醫師", "請洽身心科", "請洽復健科",
    # tw-ads v22: a doctor's or pharmacist's reminder (醫師提醒：服用安眠藥期間請勿飲酒)
    "醫師提醒", "醫生提醒", "藥師提醒", "服藥期間", "用藥期間",
)  # fmt: skip
# tw-ads v21: an FAQ's answer that the product has no medical effect or is an ordinary product (「能治痘痘嗎？答：本品
# 為一般化粧品，僅能清潔肌膚」); an answer's own claim (「答：可以，而且不具副作用」) names none of these
_NO_EFFECT_ZH = (
    "無醫療效能", "無醫療效果", "沒有醫療效果", "沒有醫療效能", "不具醫療", "不具治療", "不具療效", "不具預防", "沒有療效",
    "無療效", "並非藥品", "不是藥品", "非藥品", "非醫療器材", "不是醫療器材", "為一般家電", "為一般化粧品", "為一般化妝品",
    "為一般食品", "屬一般食品", "屬於一般食品", "是一般食品", "是一般化粧品", "是一般化妝品",
)  # fmt: skip
_SENTENCE_BREAKS = set(".!?。!?\n\r")
# tw-ads v10: a semicolon joins two independent statements, so advice in one does not govern a claim in the other
# (「本健康食品（…調節血脂）不適用於孕婦；高血脂患者請依醫師指示用藥」 still names a function)
_ADVICE_BREAKS = _SENTENCE_BREAKS | {";"}
_ADVICE_WINDOW = 80  # characters of the sentence searched on each side of a match (bounded work per match)
# ... unless the copy itself asserts the effect just before the match (能治療糖尿病，請遵醫囑 is still a claim)
_ASSERTS = re.compile(
    r"(?:能|可|会|帮|让|使|助|有效)[^,.!?;:。]{0,2}$|\b(?:it|that|which|can|will|helps?|to)\s+$"
)
_ASSERTED_VERB = re.compile(r"[a-z]+[^s\W]s\b")  # "treats", "cures": the product does it (not "treated for")
_TITLE_MARKS = {"《": "》", "〈": "〉"}
_TITLE_MAX = 40  # characters: a longer bracketed span is not a title  # a book, film or article title: 《逆轉糖尿病的飲食》 names a book


@dataclass(frozen=True)
class TimedText:
    """A piece of on-screen copy (or a caption) shown from ``start`` to ``end`` seconds."""

    text: str
    start: float = 0.0
    end: float = 0.0


@dataclass(frozen=True)
class PhraseMatch:
    """One phrase found in a text: ``start:end`` are offsets into the original (not normalised) text."""

    phrase: str  # the phrase as written in the pack
    start: int
    end: int
    matched: str  # the original text it covers
    negation: str | None = None  # the negation cue, if the phrase is negated


# -- normalisation -----------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    pairs = "".join(_TRAD_SIMP_PAIRS)
    return {ord(pairs[i]): pairs[i + 1] for i in range(0, len(pairs), 2)}


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
        or 0x3040 <= code <= 0x30FF  # kana
    )


# Characters people put between the characters of a phrase to hide it (能治·療, 降-血-壓, 生_髮, c.u.r.e): dropped
# between two CJK characters (and between single Latin letters); commas, full stops 。 and other clause
# punctuation are kept because they end a clause.
_JOINERS = set(".-_~*'\"`^+=·•‧・∙⋅°/\\") | {
    "\u2010",
    "\u2011",
    "\u2012",
    "\u2013",
    "\u2014",
    "\u2015",
    "\u2212",
}
# Cyrillic and Greek letters that look like Latin ones (сurеs with a Cyrillic с and е): folded onto the Latin
# letter when they stand next to a Latin letter or another look-alike (a mixed-script word), never in a word that
# is all Cyrillic or Greek.
_CONFUSABLES = {
    ord(k): v for k, v in zip("аеорсухіјѕԁһӏԛԝοανρικυεχ", "aeopcyxijsdhlqwoavpikuex", strict=True)
}
# Leetspeak inside a Latin word (d1abetes, c@ncer, l!ver, d3pression): a digit or symbol standing for a letter,
# read as that letter when the word starts and ends with a letter and has at least three letters (so d3, b12,
# covid19, spf50, 3rd and h2o stay as written). Same length, so offsets are kept.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "!": "i", "$": "s"}
_LEET_KEEP = {"hba1c"}  # real names with a digit inside
_LEET_WORD = re.compile(r"[a-z][a-z013457@!$]*[a-z]")
# Zhuyin (bopomofo) syllables written inside Chinese words to hide them (ㄐㄧㄤˋ血壓, 降ㄒㄩㄝˋ脂, 治ㄉㄡˋ): read as the
# character of the medical, body or drink vocabulary with that sound. Only full syllables in this table are read;
# a lone particle (ㄌ, ㄟ, ㄉ) stays as written. A syllable with a tone mark is looked up with it first, then
# without it (writers get the tone wrong: 降ㄒㄩㄝˇ壓 is 降血壓 as surely as 降ㄒㄩㄝˋ壓).
_ZHUYIN_SYLLABLES = {
    "ㄒㄩㄝˋ": "血", "ㄒㄩㄝ": "血", "ㄧㄚ": "壓", "ㄧㄚˉ": "壓", "ㄓ": "脂", "ㄓˉ": "脂", "ㄓˋ": "治", "ㄓˇ": "止",
    "ㄌㄧㄠˊ": "療", "ㄐㄧㄤˋ": "降", "ㄐㄧㄢˋ": "健", "ㄐㄧㄡˇ": "酒", "ㄉㄡˋ": "痘", "ㄉㄨˊ": "毒", "ㄊㄨㄥˋ": "痛",
    "ㄗˇ": "子", "ㄇㄛˊ": "魔", "ㄧㄢˇ": "眼", "ㄧㄢˊ": "炎", "ㄞˊ": "癌", "ㄊㄤˊ": "糖", "ㄅㄧㄥˋ": "病", "ㄧㄠˋ": "藥",
    "ㄕㄡˋ": "瘦", "ㄈㄟˊ": "肥", "ㄓㄥˋ": "症", "ㄍㄢ": "肝", "ㄕㄣˋ": "腎", "ㄈㄤˊ": "防", "ㄇㄧㄢˇ": "免",
    "ㄧˋ": "疫", "ㄍㄨˇ": "骨", "ㄙㄨㄥ": "鬆", "ㄆㄞˊ": "排", "ㄐㄧㄢˇ": "減", "ㄕㄨㄟˋ": "睡", "ㄇㄧㄢˊ": "眠",
    "ㄈㄚˇ": "髮", "ㄕㄥ": "生", "ㄅㄞˊ": "白", "ㄆㄧˊ": "皮", "ㄈㄨ": "膚", "ㄅㄨˇ": "補", "ㄧㄤˊ": "陽",
    "ㄨㄟˇ": "痿", "ㄊㄨㄟˋ": "退", "ㄏㄨㄚˋ": "化", "ㄒㄧㄣ": "心", "ㄓㄣˇ": "疹", "ㄍㄢˇ": "感",
    "ㄇㄠˋ": "冒", "ㄎㄜˊ": "咳", "ㄙㄡˋ": "嗽", "ㄗㄨㄟˋ": "醉", "ㄏㄜ": "喝", "ㄅㄟ": "杯",
    # tw-ads v9: prescriptions (免ㄔㄨˋ方)
    "ㄔㄨˋ": "處", "ㄈㄤ": "方",
    # tw-ads v11: tumours and eczema (子宮肌ㄌㄧㄡˊ, ㄕ ㄓㄣˇ), the kinds of 瘤, 濕, 癬, 斑, 痔 and 癢 in zhuyin
    "ㄌㄧㄡˊ": "瘤", "ㄕˉ": "濕", "ㄒㄩㄢˇ": "癬", "ㄧㄤˇ": "癢", "ㄋㄧㄠˋ": "尿",
    # tw-ads v13: beauty and slimming (變ㄇㄟˇ白, ㄇㄟˇ容)
    "ㄇㄟˇ": "美", "ㄖㄨㄥˊ": "容",
}  # fmt: skip
_ZHUYIN_INITIALS = "ㄅㄆㄇㄈㄉㄊㄋㄌㄍㄎㄏㄐㄑㄒㄓㄔㄕㄖㄗㄘㄙ"
_ZHUYIN_MEDIALS = "ㄧㄨㄩ"
_ZHUYIN_FINALS = "ㄚㄛㄜㄝㄞㄟㄠㄡㄢㄣㄤㄥㄦ"
_ZHUYIN_TONES = "ˉˊˇˋ˙"
_ZHUYIN_SYLLABLE = re.compile(
    f"[{_ZHUYIN_INITIALS}]?[{_ZHUYIN_MEDIALS}]?[{_ZHUYIN_FINALS}]?[{_ZHUYIN_TONES}]?"
)


def _read_zhuyin(chars: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    """Replace the zhuyin syllables of ``_ZHUYIN_SYLLABLES`` by their character (one pass, O(n))."""
    text = "".join(chars)
    if not any("\u3105" <= ch <= "\u3129" for ch in text):
        return chars, origin
    out: list[str] = []
    out_origin: list[int] = []
    i, n = 0, len(chars)
    while i < n:
        ch = chars[i]
        if "\u3105" <= ch <= "\u3129":
            m = _ZHUYIN_SYLLABLE.match(text, i)
            syllable = m.group() if m else ""
            if syllable:
                hanzi = _ZHUYIN_SYLLABLES.get(syllable)
                if hanzi is None and syllable[-1] in _ZHUYIN_TONES:
                    hanzi = _ZHUYIN_SYLLABLES.get(syllable[:-1])
                if hanzi is not None:
                    hanzi = _fold_table().get(ord(hanzi), hanzi)
                out.extend(hanzi if hanzi is not None else syllable)
                out_origin.extend([origin[i]] if hanzi is not None else origin[i : i + len(syllable)])
                i += len(syllable)
                continue
        out.append(ch)
        out_origin.append(origin[i])
        i += 1
    return out, out_origin


_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z](?:[ ._\-·*]{1,3}[a-z](?![a-z0-9])){2,}")
# tw-ads v10: a word cut by dots into short pieces (ca.nc.er, ar.thr.itis): three or more pieces of one to four
# letters, one of them two letters or fewer (so www.abc.com, a host name, stays)
_DOTTED_WORD = re.compile(r"(?<![a-z0-9.])[a-z]{1,4}(?:\.[a-z]{1,4}){2,}(?![a-z0-9]|\.[a-z0-9])")
# tw-ads v10: one or two characters quoted inside a word to dodge a phrase (有「益」健康, 「治」療): the quotes are dropped
_INWORD_QUOTES = {"「": "」", "『": "』", "“": "”", "〔": "〕", "【": "】"}


@dataclass
class WorkMeter:
    """Counts the work a screen does (for tests that the matcher is linear, without a clock).

    ``scans``: regex passes over the whole (normalised) text: a fixed number per rule, whatever the length;
    ``steps``: characters and candidate matches visited otherwise (by Python code, or by a regex on a bounded
    window around one match). Linear work means ``steps`` grows in proportion to the text and ``scans`` not at all.
    """

    scans: int = 0
    steps: int = 0


def _drop_inword_quotes(chars: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    """Drop a pair of quotes around one or two Chinese characters inside a Chinese word (有「益」健康 -> 有益健康).

    Only when a Chinese character stands on both sides of the pair, so a quoted term (顯示「禁止酒駕」字樣) keeps its
    quotes. Linear: each position is looked at a bounded number of times.
    """
    n = len(chars)
    skip = bytearray(n)
    for i, ch in enumerate(chars):
        close = _INWORD_QUOTES.get(ch)
        if close is None or i == 0 or not _is_cjk(chars[i - 1]):
            continue
        for j in (i + 2, i + 3):
            if j + 1 < n and chars[j] == close and _is_cjk(chars[j + 1]):
                if all(_is_cjk(c) for c in chars[i + 1 : j]):
                    skip[i] = skip[j] = 1
                break
    if not any(skip):
        return chars, origin
    return [c for c, s in zip(chars, skip) if not s], [o for o, s in zip(origin, skip) if not s]


def normalise_with_map(text: str, meter: WorkMeter | None = None) -> tuple[str, list[int]]:
    """Normalise ``text`` for matching; also return, for each output character, its index in ``text``.

    One pass per step, each O(len(text)).
    """
    fold = _fold_table()
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":  # zero-width spaces, joiners, soft hyphens: invisible tricks
            continue
        for out in unicodedata.normalize("NFKC", ch).lower():
            if out.isspace():
                out = " "
            chars.append(fold.get(ord(out), out))
            origin.append(index)
    chars, origin = _read_zhuyin(chars, origin)
    chars, origin = _drop_inword_quotes(chars, origin)
    joined = "".join(chars)
    for m in _LEET_WORD.finditer(joined):  # d1abetes -> diabetes
        word = m.group()
        if (
            word not in _LEET_KEEP
            and sum("a" <= c <= "z" for c in word) >= 3
            and any(c in _LEET for c in word)
        ):
            for k in range(m.start(), m.end()):
                chars[k] = _LEET.get(chars[k], chars[k])
    n = len(chars)
    for i, ch in enumerate(chars):  # mixed-script words: look-alike letters next to Latin ones
        latin = _CONFUSABLES.get(ord(ch))
        if latin is not None:
            before = chars[i - 1] if i else ""
            after = chars[i + 1] if i + 1 < n else ""
            if any("a" <= c <= "z" or ord(c) in _CONFUSABLES for c in (before, after) if c):
                chars[i] = latin
    soft = [ch == " " or ch in _JOINERS for ch in chars]
    # the nearest solid (not soft) character before and after each position: two passes, O(n)
    prev_solid = [""] * n
    last = ""
    for i in range(n):
        prev_solid[i] = last
        if not soft[i]:
            last = chars[i]
    next_solid = [""] * n
    last = ""
    for i in range(n - 1, -1, -1):
        next_solid[i] = last
        if not soft[i]:
            last = chars[i]
    kept_chars: list[str] = []
    kept_origin: list[int] = []
    for i, ch in enumerate(chars):
        if soft[i]:
            before, after = prev_solid[i], next_solid[i]
            if ch != " ":
                if before and after and _is_cjk(before) and _is_cjk(after):
                    continue  # 能治·療 -> 能治療
            else:
                previous = kept_chars[-1] if kept_chars else ""
                if not previous or previous == " " or not after or _is_cjk(previous) or _is_cjk(after):
                    continue  # 降 血 壓 -> 降血壓; runs of spaces -> one
        kept_chars.append(ch)
        kept_origin.append(origin[i])
    norm = "".join(kept_chars)
    if meter is not None:
        meter.steps += len(text) + 3 * n
        meter.scans += 1
    # single letters spelled out with separators: c.u.r.e.s / c u r e s -> cures; ca.nc.er -> cancer
    drop: list[tuple[int, int]] = []
    for m in _SPACED_LETTERS.finditer(norm):
        drop.append((m.start(), m.end()))
    spaced, k = len(drop), 0  # both scans run left to right: one pointer keeps the overlap test linear
    for m in _DOTTED_WORD.finditer(norm):
        while k < spaced and drop[k][1] <= m.start():
            k += 1
        overlaps = k < spaced and drop[k][0] < m.end()
        if not overlaps and min(len(p) for p in m.group().split(".")) <= 2:
            drop.append((m.start(), m.end()))
    drop.sort()
    if drop:
        out_chars: list[str] = []
        out_origin: list[int] = []
        spans = iter(drop)
        span = next(spans, None)
        for i, ch in enumerate(norm):
            while span is not None and i >= span[1]:
                span = next(spans, None)
            if span is not None and span[0] <= i < span[1] and not ("a" <= ch <= "z"):
                continue
            out_chars.append(ch)
            out_origin.append(kept_origin[i])
        norm, kept_origin = "".join(out_chars), out_origin
        if meter is not None:
            meter.steps += len(norm)
    return norm, kept_origin


def normalise(text: str) -> str:
    """The matching form of ``text`` (see the module docstring)."""
    return normalise_with_map(text)[0]


def compact(text: str) -> str:
    """``normalise`` and drop punctuation, symbols and spaces (for required texts)."""
    return "".join(ch for ch in normalise(text) if unicodedata.category(ch)[0] not in "PZS")


# -- phrase patterns ---------------------------------------------------------------------------------------
def _word_forms(word: str) -> str:
    """A regex for an English word with simple inflections (cure|cures|cured|curing)."""
    if not word.isalpha() or len(word) < 3:
        return re.escape(word)
    forms = {word, word + "s", word + "es", word + "ed", word + "d", word + "ing"}
    if word.endswith("e"):
        forms |= {word[:-1] + "ing", word[:-1] + "ed"}
    if word.endswith("y") and word[-2] not in "aeiou":
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    if len(word) <= 5 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}  # stop -> stopped
    return "(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + ")"


def _is_latin(norm: str) -> bool:
    return re.search(r"[a-z]", norm) is not None


def _term_body(term: str) -> str:
    """The regex body (no boundaries) of one phrase or lexicon term, after normalisation."""
    norm = normalise(term)
    if not _is_latin(norm):
        return re.escape(norm)
    tokens = re.split(r"[\s\-]+", norm.strip())
    return r"[\s\-]*".join(_word_forms(t) if re.fullmatch(r"[a-z]+", t) else re.escape(t) for t in tokens)


def _phrase_regex(phrase: str) -> re.Pattern[str]:
    norm = normalise(phrase)
    if not _is_latin(norm):
        return re.compile(re.escape(norm))  # CJK (and digits/symbols): no word boundaries in Chinese
    head = r"(?<![a-z0-9])" if re.match(r"[a-z0-9]", norm) else ""
    tail = r"(?![a-z0-9])" if re.search(r"[a-z0-9]$", norm) else ""
    return re.compile(head + _term_body(phrase) + tail)


def _fold_pattern(pattern: str) -> str:
    """A pack's regular expression in the matching form: CJK characters folded like the text (ASCII untouched)."""
    fold = _fold_table()
    return "".join(fold.get(ord(ch), ch) if _is_cjk(ch) else ch for ch in pattern)


_GAP_CJK = r"[^,.!?;:。!?;:\n\r\t|/…]"  # any character that does not end a clause
_WORD_GAP = r"(?:,?[\s\-]+[a-z0-9'’%]+)"  # a word, maybe after a comma ("heals cracked, bleeding eczema")


def _alternation(terms: Iterable[str]) -> str:
    """One regex for a set of terms: CJK terms as a prefix tree (the engine tries one branch per character, not
    every term), Latin terms with their word forms, longest first."""
    latin, cjk = [], []
    for t in set(terms):
        (latin if _is_latin(normalise(t)) else cjk).append(t)
    parts = sorted({_term_body(t) for t in latin}, key=len, reverse=True)
    if cjk:
        parts.append(_trie_regex({normalise(t) for t in cjk}))
    return "(?:" + "|".join(parts) + ")"


def _trie_regex(words: set[str]) -> str:
    """A regex matching exactly ``words``, longest alternative first at every node (greedy like a longest match)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return "(?:" + build(trie) + ")"


def _claim_regexes(claim: Claim) -> list[tuple[str, re.Pattern[str], re.Pattern[str] | None]]:
    """The regexes of one claim: CJK terms joined by a bounded in-clause gap, Latin terms by a bounded word gap.

    The gaps are bounded and the gap's characters cannot end a clause, so each regex does O(len(text)) work.
    The third item (verb-target claims) finds the verb nearest the target, to report 防止便秘 rather than
    改善體質又防止便秘.
    """
    out: list[tuple[str, re.Pattern[str], re.Pattern[str] | None]] = []
    verbs = [t for t in claim.verb_terms if normalise(t)]
    targets = [t for t in claim.target_terms if normalise(t)]
    cjk_v = [t for t in verbs if not _is_latin(normalise(t))]
    cjk_t = [t for t in targets if not _is_latin(normalise(t))]
    en_v = [t for t in verbs if _is_latin(normalise(t))]
    en_t = [t for t in targets if _is_latin(normalise(t))]
    first_is_verb = claim.order == "verb-target"
    if cjk_v and cjk_t:
        a, b = (cjk_v, cjk_t) if first_is_verb else (cjk_t, cjk_v)
        first, second = ("v", "t") if first_is_verb else ("t", "v")
        body = (
            f"(?P<{first}>{_alternation(a)}){_GAP_CJK}{{0,{claim.max_gap}}}?(?P<{second}>{_alternation(b)})"
        )
        nearest = re.compile(_alternation(cjk_v)) if first_is_verb else None
        out.append(("cjk", re.compile(body), nearest))
    if en_v and en_t:
        a, b = (en_v, en_t) if first_is_verb else (en_t, en_v)
        first, second = ("v", "t") if first_is_verb else ("t", "v")
        body = (
            rf"(?<![a-z0-9])(?P<{first}>{_alternation(a)})(?![a-z0-9])"
            rf"{_WORD_GAP}{{0,{claim.max_gap_words}}}?[\s\-]+"
            rf"(?P<{second}>{_alternation(b)})(?![a-z0-9])"
        )
        nearest = re.compile(rf"(?<![a-z0-9]){_alternation(en_v)}(?![a-z0-9])") if first_is_verb else None
        out.append(("en", re.compile(body), nearest))
    return out


@dataclass(frozen=True)
class _Compiled:
    # (label, regex, kind: phrase | pattern | claim, for claims the regex of their verbs)
    banned: tuple[tuple[str, re.Pattern[str], str, re.Pattern[str] | None], ...]
    allowed: tuple[re.Pattern[str], ...]
    terms: Mapping[str, str]  # normalised claim verb or target -> the lexicon term as written in the pack


@lru_cache(maxsize=512)
def _compiled(
    phrases: tuple[str, ...],
    allow: tuple[str, ...],
    patterns: tuple[str, ...] = (),
    claims: tuple = (),
    allow_patterns: tuple[str, ...] = (),
) -> _Compiled:
    banned: list[tuple[str, re.Pattern[str], str, re.Pattern[str] | None]] = [
        (p, _phrase_regex(p), "phrase", None) for p in phrases
    ]
    # re.ASCII: a pattern's \b and \w treat Chinese characters as non-word characters, so an English pattern still
    # matches right after Chinese copy (normalisation drops the space in 「暢飲無限 drink till you drop」)
    banned += [(p, re.compile(_fold_pattern(p), re.IGNORECASE | re.ASCII), "pattern", None) for p in patterns]
    terms: dict[str, str] = {}
    for claim in claims:
        banned += [("claim", regex, "claim", nearest) for _, regex, nearest in _claim_regexes(claim)]
        terms.update({normalise(t): t for t in (*claim.verb_terms, *claim.target_terms)})
    allowed = tuple(_phrase_regex(a) for a in allow) + tuple(
        re.compile(_fold_pattern(p), re.IGNORECASE | re.ASCII) for p in allow_patterns
    )
    return _Compiled(
        banned=tuple(banned),
        allowed=allowed,
        terms=terms,
    )


def _term_of(matched: str, terms: Mapping[str, str]) -> str:
    """The pack's term for a matched verb or target (cures -> cure, 治疗 -> 治療); the match itself if unknown."""
    for cut in ("", "s", "es", "d", "ed", "ing"):
        if matched.endswith(cut):
            stem = matched[: len(matched) - len(cut)] if cut else matched
            for candidate in (stem, stem + "e"):
                if candidate in terms:
                    return terms[candidate]
    return matched


def find_phrases(
    text: str,
    phrases: Sequence[str],
    allow: Sequence[str] = (),
    *,
    patterns: Sequence[str] = (),
    claims: Sequence[Claim] = (),
    allow_patterns: Sequence[str] = (),
    meter: WorkMeter | None = None,
    normalised: tuple[str, list[int]] | None = None,
) -> list[PhraseMatch]:
    """Whole-phrase, pattern and claim matches in ``text`` after the allow-list (phrases and ``allow_patterns``)
    and overlap rules; negation marked.

    Offsets are into ``text`` as given. Matches are in text order. The work is linear in ``len(text)``: one regex
    scan per phrase, pattern and claim, and bounded work per candidate match (see ``WorkMeter``).
    """
    norm, origin = normalised if normalised is not None else normalise_with_map(text, meter)
    if not norm:
        return []
    compiled = _compiled(tuple(phrases), tuple(allow), tuple(patterns), tuple(claims), tuple(allow_patterns))
    allowed_spans: list[tuple[int, int]] = []
    for pattern in compiled.allowed:
        allowed_spans.extend((m.start(), m.end()) for m in pattern.finditer(norm) if m.end() > m.start())
    allowed_spans.sort()
    allowed_starts = [a for a, _ in allowed_spans]
    # how far back an allowed span that overlaps a match can start (a pattern's span has no fixed length)
    allowed_max = max((y - x for x, y in allowed_spans), default=0)
    # (start, end, label, where a negation cue is looked for before, for a target-first claim the gap between
    # target and verb (a second place a cue may stand: 症狀未改善))
    candidates: list[tuple[int, int, str, int, tuple[int, int] | None]] = []
    for label, pattern, kind, nearest in compiled.banned:
        for m in pattern.finditer(norm):
            a, b = m.start(), m.end()
            if b <= a:
                continue
            if meter is not None:
                meter.steps += 1
            if kind == "claim":
                v_start, v_end, verb = m.start("v"), m.end("v"), m.group("v")
                if nearest is not None:  # the verb nearest the target (bounded work: the gap is bounded)
                    for vm in nearest.finditer(norm, v_end, m.start("t")):
                        v_start, v_end, verb = vm.start(), vm.end(), vm.group()
                    if meter is not None:
                        meter.steps += m.start("t") - m.end("v") + 1
                    a = v_start
                # a claim is masked when either of its terms touches an allowed phrase (根治壁癌: 壁癌 is allowed)
                spans = ((v_start, v_end), (m.start("t"), m.end("t")))
                if any(
                    _masked(x, y, allowed_spans, allowed_starts, allowed_max, meter, True) for x, y in spans
                ):
                    continue
                verb_term = _term_of(verb, compiled.terms)
                target_term = _term_of(m.group("t"), compiled.terms)
                if v_start < m.start("t"):  # named in the order they appear: 改善+失眠, 痛風+救星
                    candidates.append((a, b, f"{verb_term}+{target_term}", v_start, None))
                else:  # negated before the target (並非痛風救星) or between the two (症狀未改善), not inside 不適
                    candidates.append((a, b, f"{target_term}+{verb_term}", a, (m.end("t"), v_start)))
            elif _masked(a, b, allowed_spans, allowed_starts, allowed_max, meter):
                continue
            elif kind == "pattern":  # named by what it matched in the copy (below), not by the regex
                candidates.append((a, b, "", a, None))
            else:
                candidates.append((a, b, label, a, None))
    if meter is not None:
        meter.scans += len(compiled.allowed) + len(compiled.banned)
        meter.steps += len(candidates)
    # longest first; drop matches that overlap a kept one (an occupancy array: O(total match length))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken = bytearray(len(norm))
    kept: list[tuple[int, int, str, int, tuple[int, int] | None]] = []
    for cand in candidates:
        a, b = cand[0], cand[1]
        if meter is not None:
            meter.steps += b - a
        if not any(taken[a:b]):
            taken[a:b] = b"\x01" * (b - a)
            kept.append(cand)
    kept.sort()
    clause_starts = _clause_starts(norm) if kept else []
    titles = _title_of(norm) if kept else []
    matches = []
    for a, b, label, neg_at, gap in kept:
        start, end = origin[a], origin[b - 1] + 1
        negation = _negation_before(norm, neg_at, clause_starts[neg_at], meter)
        if negation is None and gap is not None:  # target first: a cue between target and verb
            negation = _negation_before(norm, gap[1], gap[0], meter)
        if negation is None:
            negation = _allowed_context(norm, a, b, titles, meter)
        if negation is None:
            negation = _answered_no(norm, b, meter)
        matches.append(PhraseMatch(label or text[start:end], start, end, text[start:end], negation))
    return matches


def _title_of(norm: str) -> list[int]:
    """For each position, the index of the title (《…》) it lies inside, or -1 (one pass, titles do not nest)."""
    out = [-1] * len(norm)
    close, opened = "", -1
    for i, ch in enumerate(norm):
        if close and ch == close:
            out[opened + 1 : i] = [opened] * (i - opened - 1)  # closed: a title (each position marked once)
            close = ""
        elif close and (i - opened > _TITLE_MAX or ch in _SENTENCE_BREAKS):
            close = ""  # unclosed or too long: not a title (a stray 《 must not hide a claim)
        if not close and ch in _TITLE_MARKS:
            close, opened = _TITLE_MARKS[ch], i
    return out


@lru_cache(maxsize=1)
def _advice_regex() -> re.Pattern[str]:
    parts = []
    for cue in _ADVICE_CUES:
        norm = normalise(cue)
        body = re.escape(norm).replace(r"\ ", r"\s+")
        parts.append(rf"(?<![a-z]){body}(?![a-z])" if re.search(r"[a-z]", norm) else body)
    return re.compile("|".join(parts))


@lru_cache(maxsize=1)
def _no_effect_regex() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(normalise(cue)) for cue in _NO_EFFECT_ZH))


def _allowed_context(
    norm: str, a: int, b: int, titles: list[int], meter: WorkMeter | None = None
) -> str | None:
    """A cue that the match at ``a:b`` is not a claim: inside a title (《…》), or advice to see a doctor in its
    sentence. Bounded work: at most ``_ADVICE_WINDOW`` characters on each side."""
    if titles and titles[a] >= 0 and titles[a] == titles[b - 1]:
        return "《》"
    if _ASSERTS.search(norm[max(0, a - 12) : a]) or _ASSERTED_VERB.match(norm, a, b):
        return None
    lo = a
    while lo > 0 and a - lo < _ADVICE_WINDOW and norm[lo - 1] not in _ADVICE_BREAKS:
        lo -= 1
    hi = b
    while hi < len(norm) and hi - b < _ADVICE_WINDOW and norm[hi] not in _ADVICE_BREAKS:
        hi += 1
    if meter is not None:
        meter.steps += hi - lo
    m = _advice_regex().search(norm, lo, hi)
    return m.group() if m else None


def _answered_no(norm: str, b: int, meter: WorkMeter | None = None) -> str | None:
    """The answer, when the match ending at ``b`` is inside a question that the next words answer "no"."""
    hi = b
    while hi < len(norm) and hi - b < _ADVICE_WINDOW and norm[hi] not in _CLAUSE_BREAKS:
        hi += 1
    if meter is not None:
        meter.steps += hi - b
    if hi >= len(norm) or norm[hi] != "?":
        return None
    m = _ANSWER_NO.match(norm, hi + 1)
    if m:
        return m.group().strip()
    return _cautioning_answer(norm, hi, meter)


def _cautioning_answer(norm: str, q: int, meter: WorkMeter | None = None) -> str | None:
    """The cue of an answer to the question ending at ``norm[q]`` ("?") that is no claim: advice to see a doctor
    (「按摩可以治腰痛嗎？A：…腰痛請就醫檢查。」, tw-ads v18) or a statement that the product has no medical effect
    (「能治過敏嗎？答：本產品為一般家電，無醫療效能」, tw-ads v21), anywhere in the answer's sentence."""
    end = q + 1
    while end < len(norm) and end - q < _ADVICE_WINDOW and norm[end] not in _SENTENCE_BREAKS:
        end += 1
    if meter is not None:
        meter.steps += end - q
    cue = _advice_regex().search(norm, q + 1, end) or _no_effect_regex().search(norm, q + 1, end)
    return cue.group() if cue else None


def _cautioned_questions(norm: str, meter: WorkMeter | None = None) -> list[tuple[int, int]]:
    """Questions the next words answer "no" or with advice to see a doctor (an FAQ's 「痛風患者可以吃嗎？ A：…食用前
    請先諮詢醫師」): spans of ``norm`` the claim classifier does not score, as it skips negated rule matches."""
    spans = []
    for m in re.finditer(r"\?", norm):
        q = m.start()
        lo = q
        while lo > 0 and q - lo < _ADVICE_WINDOW and norm[lo - 1] not in _SENTENCE_BREAKS:
            lo -= 1
        hi = q + 1
        while hi < len(norm) and hi - q < _ADVICE_WINDOW and norm[hi] not in _SENTENCE_BREAKS:
            hi += 1
        if meter is not None:
            meter.steps += hi - lo
        if _ANSWER_NO.match(norm, q + 1) or _cautioning_answer(norm, q, meter):
            spans.append((lo, q + 1))
    return spans


def claim_target(label: str, claims: Sequence[Claim]) -> str | None:
    """The target term of a claim match label (``verb+target`` or ``target+verb``), for its suggestion."""
    if "+" not in label or not claims:
        return None
    for part in label.split("+", 1)[::-1]:
        if any(part in c.target_terms for c in claims):
            return part
    return None


def _masked(
    a: int,
    b: int,
    spans: list[tuple[int, int]],
    starts: list[int],
    longest: int,
    meter: WorkMeter | None,
    any_overlap: bool = False,
) -> bool:
    """Whether an allowed span overlaps ``a:b`` without being strictly inside it (spans sorted by start).

    With ``any_overlap`` every overlap masks.
    """
    i = bisect_left(starts, a - longest)
    while i < len(spans) and spans[i][0] < b:
        x, y = spans[i]
        if meter is not None:
            meter.steps += 1
        if x < b and a < y and (any_overlap or not (a <= x and y <= b and (b - a) > (y - x))):
            return True
        i += 1
    return False


def _clause_starts(norm: str) -> list[int]:
    """For each position, where its clause starts (one pass)."""
    out = [0] * (len(norm) + 1)
    start = 0
    for i, ch in enumerate(norm):
        out[i] = start
        if ch in _CLAUSE_BREAKS:
            start = i + 1
    out[len(norm)] = start
    return out


_NEGATION_WINDOW = 48  # characters before a phrase searched for a negation cue (cue + gap always fit)
_QUANTIFIER_ZH = re.compile(r"\s*(?:任何|任一|一切|絲毫|丝毫)")
# A question answered "no" right after it (「孕婦可以喝嗎？ A：不建議。」, "Hangover-free beer? No such thing."): what the
# question says is not claimed. Only answers that reject the question count: 不會 / 沒有 / "not at all" are left
# out, because after a question about a harm (會不會宿醉？不會！) they assert the claim.
_ANSWER_NO = re.compile(
    r"\s*(?:(?:a|答|回答)\s*:?\s*)?"
    r"(?:不建议|不建議|不行|不可以|不能|不适合|不適合|不宜|不可|请勿|請勿|当然不行|當然不行|否"
    r"|no such thing|absolutely not|of course not|no(?=\s*(?:[.!,;\u2013\u2014-]|$)))"
)
_LIST_ITEM = re.compile(r"\s*[a-z][a-z'-]*\s*(?:(?:or|and)\s*)?$")


def _negation_before(
    norm: str, start: int, clause_start: int | None = None, meter: WorkMeter | None = None
) -> str | None:
    """The negation cue governing the phrase that starts at ``start`` in the normalised text, if any.

    Only the clause of the phrase counts, and at most ``_NEGATION_WINDOW`` characters of it, so the work per
    phrase is bounded. An English list continues a clause across its commas: in "not intended to diagnose,
    treat, cure or prevent any disease" the cue "not" governs "prevent".
    """
    if clause_start is None:
        clause_start = start
        while clause_start > 0 and norm[clause_start - 1] not in _CLAUSE_BREAKS:
            clause_start -= 1
    list_start: int | None = None
    # extend over English list items ("diagnose, treat, cure or ") at most a few times; the phrase itself may be
    # the last item (nothing between the comma and it)
    ext_start, ext_list, confirmed = clause_start, None, False
    for _ in range(6):
        if ext_start < 2 or norm[ext_start - 1] != ",":
            break
        item = norm[ext_start : start if ext_list is None else ext_list]
        if _LIST_ITEM.fullmatch(item):
            confirmed = True
        elif not (ext_list is None and not item.strip()):
            break
        ext_list = ext_start - 1
        previous = ext_list
        while previous > 0 and norm[previous - 1] not in _CLAUSE_BREAKS and start - previous < 120:
            previous -= 1
        ext_start = previous
    if confirmed:
        clause_start, list_start = ext_start, ext_list
    lo = max(clause_start, start - _NEGATION_WINDOW)
    window = norm[lo : start if list_start is None else list_start]
    if meter is not None:
        meter.steps += len(window)
    for breaker in _SCOPE_BREAKERS:
        for m in _cue_regex(breaker).finditer(window):
            window = window[m.end() :]
    if not window:
        return None
    cleaned = window
    for pseudo in _PSEUDO_NEGATION_ZH + _PSEUDO_NEGATION_EN:
        cleaned = _cue_regex(pseudo).sub(lambda m: "\x00" * len(m.group()), cleaned)
    best: tuple[int, str] | None = None
    for cue in _DISCLAIMER_ZH + _NEGATION_ZH + _NEGATION_EN:
        for m in _cue_regex(cue).finditer(cleaned):
            gap_text = cleaned[m.end() :]
            if "\x00" in gap_text and not gap_text.strip("\x00"):
                continue
            if re.search(r"[a-z]", cue):
                gap = len(re.findall(r"[a-z0-9']+|[^\sa-z0-9']", gap_text))
                if gap > _MAX_GAP_WORDS:
                    continue
            else:
                gap = len(gap_text.replace(" ", ""))
                limit = _DISCLAIMER_GAP_CJK if cue in _DISCLAIMER_ZH else _MAX_GAP_CJK
                # a quantifier after the cue does not widen the distance (不具任何醫療效能, 沒有任何療效)
                quantifier = _QUANTIFIER_ZH.match(gap_text)
                if quantifier:
                    gap -= len(quantifier.group().replace(" ", ""))
                # a negated list (不具治療或預防疾病之效果, 不含香料、色素及防腐劑): the cue governs each item
                if gap > limit and not (gap <= _LIST_GAP_CJK and _ZH_LIST_TAIL.search(gap_text)):
                    continue
            if best is None or m.end() > best[0] or (m.end() == best[0] and len(cue) > len(best[1])):
                best = (m.end(), cue)
    return best[1] if best else None


@lru_cache(maxsize=256)
def _cue_regex(cue: str) -> re.Pattern[str]:
    norm = normalise(cue)
    if re.search(r"[a-z]", norm):
        return re.compile(r"(?<![a-z0-9'])" + re.escape(norm).replace(r"\ ", r"\s+") + r"(?![a-z0-9'])")
    return re.compile(re.escape(norm))


# -- rules --------------------------------------------------------------------------------------------------
def _lower(action: str, to: str) -> str:
    return to if SEVERITY[to] < SEVERITY[action] else action


def _check_text_input(text: object, what: str = "text") -> str:
    if not isinstance(text, str):
        raise InputError(f"The {what} to screen must be a string, not {type(text).__name__}.", "Pass text.")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"The {what} to screen is {len(text):,} characters long; the limit is {MAX_TEXT_CHARS:,}.",
            "Screen the copy in smaller pieces (one ad at a time).",
        )
    return text


def _rule_matches(
    text: str,
    rule: Rule,
    meter: WorkMeter | None = None,
    normalised: tuple[str, list[int]] | None = None,
) -> list[PhraseMatch]:
    return find_phrases(
        text,
        rule.phrases,
        rule.allow,
        patterns=rule.patterns,
        claims=rule.claims,
        allow_patterns=rule.allow_patterns,
        meter=meter,
        normalised=normalised,
    )


def _suggestion(rule: Rule, match: PhraseMatch) -> str | None:
    """The pack's compliant wording for a match: by phrase, or by the claim's target term."""
    if match.phrase in rule.suggestions:
        return rule.suggestions[match.phrase]
    target = claim_target(match.phrase, rule.claims)
    return rule.suggestions.get(target) if target else None


def phrase_findings(
    text: str, rule: Rule, *, time: float | None = None, meter: WorkMeter | None = None
) -> list[Finding]:
    """Findings of one ``phrase`` rule on ``text`` (``time``: when the text appears on screen, in seconds).

    The rule's phrases, its regular-expression ``patterns`` and its ``claims`` (a verb and a target of its
    lexicons in one clause: 能改善失眠, "cures chronic back pain") are all matched; a finding quotes the copy as
    written (「能治·療糖尿病」) and names the phrase, the pattern or the claim's two terms in ``reference``.
    """
    return [f for f, _, _ in _spanned_findings(text, rule, time=time, meter=meter)]


def _spanned_findings(
    text: str,
    rule: Rule,
    *,
    time: float | None = None,
    meter: WorkMeter | None = None,
    normalised: tuple[str, list[int]] | None = None,
) -> list[tuple[Finding, int, int]]:
    if rule.detector != "phrase":
        raise InputError(f"Rule {rule.id!r} is a {rule.detector!r} rule, not a phrase rule.")
    findings = []
    for match in _rule_matches(text, rule, meter, normalised):
        action = rule.action
        note = ""
        if match.negation is not None:
            if rule.negation == "drop":
                continue
            if rule.negation != "keep":
                action = _lower(action, rule.negation)
            note = f" (negated by 「{match.negation}」: {action} instead of {rule.action})"
        context = _context(text, match.start, match.end)
        suggestion = _suggestion(rule, match)
        message = f"「{match.matched}」 is wording the rule {rule.id} does not allow"
        if rule.description:
            message += f": {rule.description.rstrip('.')}"
        message += f". In: “{context}”{note}"
        if suggestion:
            message += f". Suggested: 「{suggestion}」"
        finding = Finding(
            rule=rule.id,
            action=action,
            detector="phrase",
            score=1.0,
            threshold=rule.effective_threshold,
            message=message + ".",
            reference=match.phrase,
            time=time,
            suggestion=suggestion,
            legal=rule.legal,
        )
        findings.append((finding, match.start, match.end))
    return findings


def _without_repeats(spanned: list[tuple[Finding, int, int]]) -> list[Finding]:
    """Drop a finding whose text another rule's finding (listed earlier, at least as severe) already covers.

    ``降血壓`` in a food ad is found by the food rule and by the every-product medical rule: the report names it
    once, under the more specific rule (the one listed first in the pack). O(k log k) for k findings.
    """
    order = sorted(range(len(spanned)), key=lambda i: (spanned[i][1], -spanned[i][2], i))
    reach = {level: -1 for level in SEVERITY.values()}  # the furthest end covered by a kept finding >= level
    keep: set[int] = set()
    for i in order:
        finding, _, end = spanned[i]
        level = SEVERITY[finding.action]
        if reach[level] >= end:
            continue
        keep.add(i)
        for other, furthest in reach.items():
            if other <= level:
                reach[other] = max(furthest, end)
    return [spanned[i][0] for i in range(len(spanned)) if i in keep]


def _context(text: str, start: int, end: int, width: int = 24) -> str:
    a, b = max(0, start - width), min(len(text), end + width)
    snippet = " ".join(text[a:b].split())
    return ("…" if a > 0 else "") + snippet + ("…" if b < len(text) else "")


def required_text_findings(
    texts: Sequence[TimedText], rule: Rule, *, duration: float | None = None
) -> list[Finding]:
    """Findings of one ``required_text`` rule: each required text missing, or not shown for the whole video.

    With ``duration`` None (copy, a still image) only presence is checked. The score is the fraction of the
    video during which the text is shown (0..1); the threshold is 1.0 (all of it).
    """
    if rule.detector != "required_text":
        raise InputError(f"Rule {rule.id!r} is a {rule.detector!r} rule, not a required_text rule.")
    findings = []
    for required in rule.required:
        key = compact(required)
        shown = [t for t in texts if key and key in compact(t.text)]
        if not shown:
            coverage, first_gap = 0.0, 0.0
        elif duration is None or not rule.whole_duration:
            continue
        else:
            coverage, first_gap = _coverage([(t.start, t.end) for t in shown], duration)
            if first_gap is None:
                continue
        if not shown:
            problem = "is missing"
        else:
            problem = f"is shown for only {coverage * 100:.0f} % of the {duration:.1f} s video (from {first_gap:.2f} s it is not on screen)"
        size_note = (
            " The rule also asks for at least 1/10 of the layout; text size is not checked here."
            if ("1/10" in rule.notes)
            else ""
        )
        findings.append(
            Finding(
                rule=rule.id,
                action=rule.action,
                detector="required_text",
                score=round(coverage, 4),
                threshold=1.0,
                message=f"The required text 「{required}」 {problem}.{size_note}",
                reference=required,
                time=first_gap,
                suggestion=required,
                legal=rule.legal,
            )
        )
    return findings


def _coverage(intervals: Iterable[tuple[float, float]], duration: float) -> tuple[float, float | None]:
    """(covered fraction of 0..duration, start of the first uncovered gap or None when fully covered)."""
    spans = sorted((max(0.0, a), min(duration, b)) for a, b in intervals if b > a)
    covered = 0.0
    cursor = 0.0
    first_gap: float | None = None
    for a, b in spans:
        if a > cursor + COVERAGE_TOLERANCE_S and first_gap is None:
            first_gap = cursor
        if b > cursor:
            covered += b - max(a, cursor)
            cursor = b
    if duration - cursor > COVERAGE_TOLERANCE_S and first_gap is None:
        first_gap = cursor
    return (min(1.0, covered / duration) if duration > 0 else 1.0), first_gap


def check_text(
    text: str,
    packs: Sequence[RulePack],
    category: str = "general",
    *,
    time: float | None = None,
    meter: WorkMeter | None = None,
    claim_model: bool | ClaimModel = True,
) -> list[Finding]:
    """All phrase-rule findings on one piece of copy for an ad of product ``category``.

    With the default category ``general`` the copy's own words may name its category (``infer_categories``):
    the phrase rules of each category named (啤酒 -> alcohol, 處方藥 -> drugs, 衛部健食字號 -> health_food) are applied
    too, on top of the general rules (a health-care function or a drug indication stays a claim for a product of
    unknown category: set the category to ``health_food`` or ``drugs`` for the permit's or licence's wording to be
    allowed); every finding of a rule chosen this way ends with "(category inferred from 「啤酒」: alcohol)".

    ``meter`` (optional) counts the work done, for tests that the screen is linear in the length of the copy.

    After the rules, when the ``tw-ads`` pack is screened and none of the rules stops the copy (``block`` or
    ``review``), the learned claim classifier
    (``claim_model``) scores its sentences: a score at or above its threshold is a ``review`` finding of
    ``tw-ads.model.claim``; weights that cannot be loaded are a ``review`` finding naming the reason (fail
    closed). ``claim_model=False`` runs the rules alone (benchmarks); a ``ClaimModel`` instead of ``True`` is
    used in place of the shipped weights (the training script's leave-one-set-out folds). Sentences holding a claim
    that a rule found and lowered to a warning (negated, disclaimed, advice to see a doctor) are not scored: the
    rule has judged those words.
    """
    _check_text_input(text)
    check_category(category)
    spanned: list[tuple[Finding, int, int]] = []
    normalised = normalise_with_map(text, meter)  # once for every rule
    inferred: dict[str, str] = {}
    if category == DEFAULT_CATEGORY.value:
        inferred = infer_categories(text, packs, meter=meter, normalised=normalised)
    # The declared category's rules always run: copy that names a health-food permit or a drug licence under the
    # default category is still screened as a general product (a health-care function or an indication is a
    # claim for anything that is not that health food or drug; the permit-named and drug-named findings say to
    # set the category), and the inferred category's rules run as well.
    base = category
    seen: set[str] = set()
    for extra in (base, *(c for c in inferred if c != base)):
        for pack in packs:
            for rule in pack.for_category(extra):
                if rule.detector != "phrase" or rule.id in seen:
                    continue
                seen.add(rule.id)
                for finding, a, b in _spanned_findings(
                    text, rule, time=time, meter=meter, normalised=normalised
                ):
                    if not rule.applies(category):
                        finding = replace(finding, message=_with_inferred(finding.message, inferred, extra))
                    spanned.append((finding, a, b))
    findings = _without_repeats(spanned)
    model_pack = any(pack.name == "tw-ads" for pack in packs)  # the model's rule belongs to the tw-ads pack
    if claim_model is not False and model_pack and not any(f.action in ("block", "review") for f in findings):
        actions = {rule.id: rule.action for pack in packs for rule in pack.rules}
        lowered = sorted(
            (a, b)
            for f, a, b in spanned
            if f.action == "warn" and SEVERITY[actions.get(f.rule, "warn")] > SEVERITY["warn"]
        )
        origin = normalised[1]
        skip = [(bisect_left(origin, a), bisect_left(origin, b)) for a, b in lowered]
        skip = sorted(skip + _cautioned_questions(normalised[0], meter))
        model = None if claim_model is True else claim_model
        findings.extend(
            _model_findings(
                text, normalised, category, time=time, meter=meter, model=model, skip=skip, inferred=inferred
            )
        )
    return findings


def _with_inferred(message: str, inferred: Mapping[str, str], category: str) -> str:
    """``message`` ending with the word the copy's category was inferred from: "... (category inferred from
    「啤酒」: alcohol)."; unchanged when ``category`` was not inferred."""
    if category not in inferred:
        return message
    return f"{message.removesuffix('.')} (category inferred from 「{inferred[category]}」: {category})."


def _model_findings(
    text: str,
    normalised: tuple[str, list[int]],
    category: str,
    *,
    time: float | None,
    meter: WorkMeter | None,
    model: ClaimModel | None = None,
    skip: Sequence[tuple[int, int]] = (),
    inferred: Mapping[str, str] | None = None,
) -> list[Finding]:
    """The learned claim classifier's finding on copy the rules let through (see ``claim_model``).

    ``inferred`` (category -> the word that named it, from ``infer_categories``): copy of the default category
    that names its product (台啤, 威士忌) is also scored as that category, and the highest score counts: the model
    learnt what over-drinking sounds like in alcohol copy (一人一瓶喝完再睡), where the same words for a product of
    unknown category read as nothing. Scoring as one more category can only add a finding, never remove one.
    """
    from studio.compliance import claim_model as cm
    from studio.compliance.findings import check_failed

    inferred = inferred or {}
    try:
        model = cm.load_model() if model is None else model
        result, scored_as = None, category
        for as_category in (category, *(c for c in inferred if c != category)):
            scored = cm.score_text(model, normalised[0], as_category, meter=meter, skip=skip)
            if scored is not None and (result is None or scored.score > result.score):
                result, scored_as = scored, as_category
    except Exception as exc:  # noqa: BLE001 - a check that cannot run is a review, never a pass
        reason = exc.one_line() if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}"
        return [check_failed("claim_model", reason)]
    if result is None or result.score < model.threshold:
        return []
    norm, origin = normalised
    start = origin[result.start] if result.start < len(origin) else 0
    end = origin[result.end - 1] + 1 if 0 < result.end <= len(origin) else len(text)
    shown = []  # the top n-grams as the user wrote them (the first place each occurs in the sentence)
    for gram, weight in result.top:
        at = norm.find(gram, result.start, result.end)
        quoted = text[origin[at] : origin[at + len(gram) - 1] + 1] if at >= 0 else gram
        shown.append((quoted, weight))
    return [
        Finding(
            rule=cm.RULE,
            action="review",
            detector="phrase",
            score=round(result.score, 4),
            threshold=round(model.threshold, 4),
            message=_with_inferred(
                cm.message(result, model.threshold, shown, text[start:end]), inferred, scored_as
            ),
            reference=text[start:end].strip() or result.sentence,
            time=time,
            legal=cm.LEGAL,
        )
    ]


def infer_categories(
    text: str,
    packs: Sequence[RulePack],
    *,
    meter: WorkMeter | None = None,
    normalised: tuple[str, list[int]] | None = None,
) -> dict[str, str]:
    """The product categories the copy itself names, each with the first word that named it (as written).

    Each pack's ``category_cues`` lists, per category, words that name such a product (啤酒, 威士忌, "craft beer";
    處方藥, 藥膏, "cough syrup"), patterns for the ways of naming it that a word list cannot hold (a drinking verb
    with a six-pack or a time limit: 十分鐘乾完一手) and look-alikes that do not (無酒精啤酒, "alcohol-free"; a negation is not looked for:
    「不醉不歸的啤酒」 is still beer). ``check_text`` uses this when the ad's category is the default ``general``: an uncategorised
    beer ad is screened with the alcohol rules too (菸酒管理法 第37條), and every such finding says which word the
    category was inferred from. Only phrase rules are added this way: the required on-screen warnings of an
    inferred category are not demanded (a restaurant's menu may name a wine). Linear work: one scan per cue list.
    """
    found: dict[str, str] = {}
    normalised = normalised if normalised is not None else normalise_with_map(text, meter)
    for pack in packs:
        for inferred, cue in pack.category_cues.items():
            if inferred in found:
                continue
            matches = find_phrases(
                text, cue.terms, cue.allow, patterns=cue.patterns, meter=meter, normalised=normalised
            )
            for match in matches:
                found[inferred] = match.matched
                break
    return found


def check_texts(
    texts: Sequence[TimedText],
    packs: Sequence[RulePack],
    category: str = "general",
    *,
    duration: float | None = None,
) -> list[Finding]:
    """Phrase rules on every text plus the ``required_text`` rules over all of them (see ``required_text_findings``).

    ``duration`` is the video length in seconds (None for copy without timing or a still image).
    """
    check_category(category)
    for item in texts:
        _check_text_input(item.text, "on-screen text")
        if item.end < item.start:
            raise InputError(
                f"The on-screen text {item.text[:30]!r} ends ({item.end} s) before it starts ({item.start} s).",
                "Give start <= end in seconds.",
            )
    if duration is not None and duration <= 0:
        raise InputError(
            f"The video duration must be positive, not {duration}.", "Give the length in seconds."
        )
    findings: list[Finding] = []
    for item in texts:
        findings.extend(
            check_text(item.text, packs, category, time=item.start if duration is not None else None)
        )
    for pack in packs:
        for rule in pack.for_category(category):
            if rule.detector == "required_text":
                findings.extend(required_text_findings(texts, rule, duration=duration))
    return findings


def suggest_rewrite(text: str, packs: Sequence[RulePack], category: str = "general") -> str:
    """``text`` with every matched phrase that has a suggestion replaced by it (others left as they are)."""
    _check_text_input(text)
    replacements: list[tuple[int, int, str]] = []
    for pack in packs:
        for rule in pack.for_category(category):
            if rule.detector != "phrase" or not rule.suggestions:
                continue
            for match in _rule_matches(text, rule):
                suggestion = _suggestion(rule, match)
                if suggestion and not (match.negation and rule.negation == "drop"):
                    replacements.append((match.start, match.end, suggestion))
    chosen: list[tuple[int, int, str]] = []
    for start, end, new in sorted(replacements, key=lambda r: (-(r[1] - r[0]), r[0])):
        if all(end <= a or b <= start for a, b, _ in chosen):
            chosen.append((start, end, new))
    out = text
    for start, end, new in sorted(chosen, reverse=True):  # from the end, so earlier offsets stay valid
        out = out[:start] + new + out[end:]
    return out
