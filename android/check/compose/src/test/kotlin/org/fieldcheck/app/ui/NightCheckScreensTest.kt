package org.fieldcheck.app.ui

import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.SkikoComposeUiTest
import androidx.compose.ui.test.assertIsEnabled
import androidx.compose.ui.test.assertIsNotSelected
import androidx.compose.ui.test.assertIsSelected
import androidx.compose.ui.test.hasAnyAncestor
import androidx.compose.ui.test.hasScrollToNodeAction
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performScrollToNode
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.test.performTouchInput
import androidx.compose.ui.test.swipe
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.unit.Density
import kotlinx.coroutines.runBlocking
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.LifecycleRegistry
import androidx.lifecycle.compose.LocalLifecycleOwner
import org.fieldcheck.app.model.AppModel
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.AppRoute
import org.fieldcheck.ffi.InspectorInput
import org.fieldcheck.ffi.InspectionState
import org.fieldcheck.ffi.Network
import org.fieldcheck.ffi.SyncState
import org.fieldcheck.ffi.Respondent
import org.fieldcheck.ffi.ScreenData
import org.fieldcheck.ffi.TaskState
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.coroutines.EmptyCoroutineContext

/**
 * The whole night check through the app's real Compose screens (Compose for Desktop, Skia), over the
 * real app core and a live platform: sign in, the dispatched alarm, arrival, an inspection started
 * from it, every answer (picked, typed, dates from the picker), camera photos, a failed item (a
 * finding), the record read back and signed on the pad by each inspector and the recorder while the
 * respondent refuses before a witness, submit, sync; on the enterprise's phone (a second core signed in
 * as the enterprise) the order is read back and signed for on the pad, the proof photographed and sent;
 * the officer sees it, accepts, and opens the settings. Every screen is screenshotted in both themes and checked.
 */
@OptIn(ExperimentalTestApi::class)
class NightCheckScreensTest {
    private object Resumed : LifecycleOwner {
        override val lifecycle = LifecycleRegistry.createUnsafe(this).apply { currentState = Lifecycle.State.RESUMED }
    }

    @TempDir
    lateinit var dir: Path

    private val template = "emergency_preparedness"

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES) // a stuck frame loop fails instead of hanging the suite
    fun `a night check through the screens`() {
        val bin = System.getProperty("fieldcheck.platform.bin")?.takeIf { it.isNotBlank() }
            ?: error("set -Dfieldcheck.platform.bin to the fieldcheck-platform binary (compose-check.sh does)")
        LivePlatform(bin, dir.resolve("platform")).use { platform ->
            Phone(dir.resolve("enterprise")).use { firm ->
                Phone(dir.resolve("officer")).use { officer ->
                    firm.syncSoon = {} // the test syncs the enterprise's phone itself
                    runBlocking { firm.core.signIn(platform.url, "enterprise1", LivePlatform.PASSWORD) }
                    val enterprise = firm.client.currentUser()!!.enterprise!!
                    platform.dispatchAlarm(enterprise.toString())
                    // A phone-sized screen: 412 × 860 dp at density 2.
                    SkikoComposeUiTest(824, 1720, EmptyCoroutineContext, Density(2f)).runTest {
                        officer.model.start()
                        firm.model.start()
                        inHand = officer.model
                        setContent {
                            // An activity's lifecycle, resumed, and its saved state (the desktop test scene has neither).
                            CompositionLocalProvider(LocalLifecycleOwner provides Resumed) {
                                rotation.Content { inHand?.let { FieldcheckApp(it) } }
                            }
                        }
                        nightCheck(platform, officer, firm)
                    }
                }
            }
        }
    }

    /** Recreates the screens with their saved state, as a rotation does. */
    private val rotation = Rotation()

    /** The phone in hand: the screens render its model (the officer's, then the enterprise's, then the officer's). */
    private var inHand by mutableStateOf<AppModel?>(null)

    /** The model of the phone in hand. */
    private val model: AppModel get() = inHand!!

    private fun ComposeUiTest.nightCheck(platform: LivePlatform, officer: Phone, firm: Phone) {
        awaitText("平台地址")
        onNodeWithTag("platform-url").performTextReplacement(platform.url)
        onNodeWithTag("login").performTextInput("officer1")
        onNodeWithTag("password").performTextInput(LivePlatform.PASSWORD)
        screenshot(model, "01-sign-in", "现场执法检查", "登录")
        button("登录").tap()

        // The first sync brings the dispatched alarm.
        awaitText("DW001")
        screenshot(model, "02-today", "待处置报警", "DW001", "今日")
        button("COD：150.0").tap()
        awaitView(model, "alarm") { it.route is AppRoute.Alarm }
        button("到达现场").tap()
        awaitText("就此报警开展检查")
        screenshot(model, "03-alarm-on-site", "DW001", "办结", "就此报警开展检查")

        // An inspection prompted by the alarm.
        button("就此报警开展检查").tap()
        awaitText("选择检查表")
        onNodeWithTag("checklist-$template").tap()
        screenshot(model, "04-new-inspection", "报警处置", "选择检查表")
        button("创建").tap()
        awaitView(model, "draft") { it.route is AppRoute.Inspection }
        val id = (model.view.value!!.route as AppRoute.Inspection).id
        // No team or respondent picker in the app yet: set on the record as the Rust night check does.
        val me = officer.client.currentUser()!!
        val colleague = officer.client.officers().first { it.id != me.id }
        val team = listOf(me, colleague).map { InspectorInput(it.id, it.name, it.certificateNo ?: "33078400001") }
        officer.client.inspections().use { it.setTeam(id, team, team[1]) }
        awaitText("到达现场，开始检查")
        screenshot(model, "05-inspection-draft", "报警处置", "到达现场，开始检查")
        button("到达现场，开始检查").tap()
        awaitView(model, "started") { (it.screen as? ScreenData.Inspection)?.screen?.inspection?.state == InspectionState.IN_PROGRESS }
        officer.client.inspections().use { it.setRecord(id, Respondent("李明", "安全主管", "13800000000"), "夜间报警现场检查") }

        answerAll(officer)
        scrollTo(hasText("发现的问题"))
        screenshot(model, "07-finding", "发现的问题", "EM-12")
        scrollTo(hasText("宣读笔录并签名"))
        screenshot(model, "08-ready-to-sign", "宣读笔录并签名")

        // Read back, then the signatures.
        button("宣读笔录并签名").tap()
        awaitText("宣读笔录")
        screenshot(model, "09-read-back", "宣读笔录", "请检查人", "确认签名", "拒绝签名")
        signAll(model, team.map { it.name } + team[1].name)
        refuse(model)
        awaitText("提交检查")
        screenshot(model, "12-all-signed", "已签", "提交检查")
        button("提交检查").tap()
        awaitView(model, "submitted") { it.route !is AppRoute.Inspection }

        // Offline: the banner says so; back online, the sync bar sends it all.
        officer.network = Network.OFFLINE
        model.send(AppEvent.NetworkChanged(Network.OFFLINE))
        awaitView(model, "offline banner") { vm -> vm.banners.isNotEmpty() }
        screenshot(model, "13-offline", "待上传")
        officer.network = Network.UNMETERED
        model.send(AppEvent.NetworkChanged(Network.UNMETERED))
        button("同步").tap()
        // The outbox empties when the push is answered, before the pull ends: wait for the sync itself.
        awaitView(model, "synced") { it.sync.state == SyncState.SUCCEEDED && it.sync.pendingChanges == 0uL && it.attention.isEmpty() && it.banners.isEmpty() }
        screenshot(model, "14-synced", "已同步", "待上传 0")

        // The enterprise's phone (a second core, signed in as the enterprise): signs for its order, sends its proof.
        val task = enterpriseProof(firm, id)

        // The officer syncs, sees the proof and accepts.
        inHand = officer.model
        tab("整改").tap()
        button("同步").tap()
        // One sync cycle pulls the proof step and then fetches the photos it cites.
        awaitView(model, "proof pulled") { vm ->
            vm.sync.state == SyncState.SUCCEEDED &&
                (vm.screen as? ScreenData.Tasks)?.tasks?.any { it.id == task && it.state == TaskState.PROOF_SUBMITTED } == true
        }
        screenshot(model, "20-tasks", "整改", "待验收")
        val row = (model.view.value!!.screen as ScreenData.Tasks).tasks.single { it.id == task }
        button(row.requirement).tap()
        awaitView(model, "the proof photo on the officer's phone") { vm -> (vm.screen as? ScreenData.Task)?.screen?.photos?.isNotEmpty() == true }
        screenshot(model, "21-task-proof", "整改照片", "验收通过", "已补充应急预案", "签收")
        onNodeWithTag("task-note").performTextInput("复查合格")
        button("验收通过").tap()
        awaitView(model, "accepted") { (it.screen as? ScreenData.Task)?.screen?.task?.state == TaskState.ACCEPTED }
        button("同步").tap()
        awaitView(model, "accept sent") { it.sync.state == SyncState.SUCCEEDED && it.sync.pendingChanges == 0uL && it.attention.isEmpty() }
        screenshot(model, "22-accepted", "验收通过", "复查合格")
        tab("设置").tap()
        awaitText("跟随系统")
        screenshot(model, "23-settings", "跟随系统", "日间", "夜间")
    }

    /** Answers every item through its control; EM-12 fails (a finding) and every photo item gets one. */
    private fun ComposeUiTest.answerAll(officer: Phone) {
        val screen = (officer.model.view.value!!.screen as ScreenData.Inspection).screen
        for (item in screen.checklists.single().template.items) {
            val code = item.code
            val inItem = hasAnyAncestor(hasTestTag("item-$code"))
            scrollTo(hasTestTag("item-$code"))
            when (code) {
                "EM-01" -> typeAndSave(code, "value" to "330784-2024-018-L")
                "EM-02" -> {
                    pickDate(code, "issued")
                    pickDate(code, "filed")
                    onNode(hasText("保存") and hasClickAction() and inItem).tap()
                }
                "EM-04" -> pick(code, "一般")
                "EM-06" -> typeAndSave(code, "effective_volume" to "500", "required_volume" to "400")
                "EM-07" -> typeAndSave(code, "value" to "10")
                "EM-10" -> typeAndSave(code, "value" to "120")
                "EM-12" -> pick(code, "否")
                "EM-13" -> pickDate(code, "value", shoot = "06-date-picker")
                else -> pick(code, "是")
            }
            awaitView(officer.model, "$code answered") { vm ->
                (vm.screen as? ScreenData.Inspection)?.screen?.checklists?.single()?.items?.first { it.code == code }?.verdict != null
            }
            if (item.photo == org.fieldcheck.ffi.PhotoRule.ALWAYS || code == "EM-12") {
                scrollTo(hasTestTag("item-$code"))
                onNode(hasText("拍照") and hasClickAction() and inItem).tap()
                awaitView(officer.model, "$code photo") { vm ->
                    (vm.screen as? ScreenData.Inspection)?.screen?.checklists?.single()?.items?.first { it.code == code }?.photoCount == 1u
                }
            }
        }
        // The chosen answer is marked (selected) and the other is not.
        scrollTo(hasTestTag("item-EM-12"))
        onNode(hasText("否") and hasClickAction() and hasAnyAncestor(hasTestTag("item-EM-12"))).assertIsSelected()
        onNode(hasText("是") and hasClickAction() and hasAnyAncestor(hasTestTag("item-EM-12"))).assertIsNotSelected()
    }

    private fun ComposeUiTest.scrollTo(node: androidx.compose.ui.test.SemanticsMatcher) {
        onNode(hasScrollToNodeAction()).performScrollToNode(node)
        waitForIdle()
    }

    private fun ComposeUiTest.pick(code: String, label: String) {
        onNode(hasText(label) and hasClickAction() and hasAnyAncestor(hasTestTag("item-$code"))).tap()
    }

    private fun ComposeUiTest.typeAndSave(code: String, vararg fields: Pair<String, String>) {
        val inItem = hasAnyAncestor(hasTestTag("item-$code"))
        fields.forEach { (key, text) -> onNode(hasTestTag("field-$key") and inItem).performScrollTo().performTextInput(text) }
        // In full view before the tap (a tap on a control scrolled half out of view lands elsewhere).
        onNode(hasText("保存") and hasClickAction() and inItem).tap()
    }

    /** Opens the item's date picker and confirms today's date (the picker's initial selection). */
    private fun ComposeUiTest.pickDate(code: String, key: String, shoot: String? = null) {
        onNode(hasTestTag("date-$key") and hasAnyAncestor(hasTestTag("item-$code"))).tap()
        awaitText("确定")
        shoot?.let { screenshot(model, it, "确定", "取消") }
        button("确定").tap()
        waitForIdle()
    }

    /** Each named signer in turn draws on the pad with a finger (two swipes) and confirms. */
    private fun ComposeUiTest.signAll(model: AppModel, names: List<String>) {
        names.forEachIndexed { n, name ->
            awaitText(name)
            onNodeWithTag("signature-pad").performTouchInput {
                swipe(Offset(width * 0.1f, height * 0.7f), Offset(width * 0.5f, height * 0.3f), 300)
                swipe(Offset(width * 0.45f, height * 0.6f), Offset(width * 0.9f, height * 0.5f), 250)
            }
            if (n == 0) {
                screenshot(model, "10-signature-pad", "确认签名", "重写")
                // A rotation keeps the strokes drawn so far (and the core keeps the screen).
                rotation.rotate(this)
                button("确认签名").assertIsEnabled()
            }
            button("确认签名").tap()
            awaitView(model, "$name signed") { vm -> vm.signing?.signers?.count { it.done } == n + 1 }
        }
    }

    /** The respondent refuses; the refusal is noted with the reason and a witness. */
    private fun ComposeUiTest.refuse(model: AppModel) {
        awaitText("被检查单位人员 李明")
        button("拒绝签名").tap()
        awaitText("拒签理由")
        onNodeWithTag("refusal-reason").performTextInput("对检查结论有异议，拒绝签字")
        onNodeWithTag("witness-name").performTextInput("王芳")
        onNodeWithTag("witness-position").performTextInput("村委会委员")
        screenshot(model, "11-refusal", "拒签理由", "记录拒签")
        button("记录拒签").tap()
        awaitView(model, "refusal noted") { vm -> vm.signing?.signers?.all { it.done } == true }
    }

    /** A tab of the navigation bar, by its exact label. */
    private fun ComposeUiTest.tab(label: String) = onNode(hasText(label) and hasClickAction())

    /**
     * The enterprise's phone in hand: it syncs, opens the order's task, reads the order back and its
     * legal representative (whom the core offers first) signs for it on the pad, photographs the proof and submits it, and syncs. Returns the task.
     */
    private fun ComposeUiTest.enterpriseProof(firm: Phone, inspection: java.util.UUID): java.util.UUID {
        inHand = firm.model
        tab("整改").tap()
        button("同步").tap()
        awaitView(model, "the order on the enterprise's phone") { vm ->
            vm.sync.state == SyncState.SUCCEEDED && (vm.screen as? ScreenData.Tasks)?.tasks?.any { it.inspection == inspection } == true
        }
        val row = (model.view.value!!.screen as ScreenData.Tasks).tasks.single { it.inspection == inspection }
        screenshot(model, "15-firm-tasks", "整改", row.requirement)
        button(row.requirement).tap()
        awaitView(model, "the task") { (it.screen as? ScreenData.Task)?.screen?.task?.id == row.id }
        screenshot(model, "16-firm-task", row.requirement, "签收")
        tab("签收").tap()
        awaitView(model, "the order read back") { it.orderSigning?.task == row.id }
        awaitText("签收人请在下方签名")
        // The core offers the enterprise's legal representative first, the account holder among the others.
        val signers = model.view.value!!.orderSigning!!.signers
        check(firm.client.currentUser()!!.name in signers) { "the account holder may sign: $signers" }
        screenshot(model, "17-order-read-back", "责令改正通知书", "签收人", signers.first(), "确认签名", "拒绝签名")
        onNodeWithTag("signature-pad").performTouchInput {
            swipe(Offset(width * 0.1f, height * 0.6f), Offset(width * 0.4f, height * 0.3f), 300)
            swipe(Offset(width * 0.35f, height * 0.7f), Offset(width * 0.85f, height * 0.4f), 250)
        }
        screenshot(model, "18-order-signature", "确认签名", "重写")
        button("确认签名").tap()
        awaitView(model, "acknowledged by signature") { vm ->
            vm.orderSigning == null && (vm.screen as? ScreenData.Task)?.screen?.task?.state == TaskState.ACKNOWLEDGED
        }
        button("拍摄整改照片").tap()
        awaitView(model, "proof photo") { vm -> (vm.screen as? ScreenData.Task)?.screen?.photos?.size == 1 }
        onNodeWithTag("task-note").performTextInput("已补充应急预案")
        button("提交整改情况").tap()
        awaitView(model, "proof submitted") { (it.screen as? ScreenData.Task)?.screen?.task?.state == TaskState.PROOF_SUBMITTED }
        button("同步").tap()
        awaitView(model, "proof sent") { it.sync.state == SyncState.SUCCEEDED && it.sync.pendingChanges == 0uL && it.attention.isEmpty() }
        screenshot(model, "19-firm-proof-sent", "整改照片", "已补充应急预案", "签收")
        return row.id
    }
}
